"""Signals other apps listen to."""

from django.dispatch import Signal

# Sent once per opening, with `chapter`, when a chapter scheduled to become public
# (`Chapter.opens_at`) has opened: by `chapters.opening.chapters_open_due`, inside
# the transaction that marks it announced. A receiver that sends mail does so on
# commit. Readers see the chapter from `opens_at` on whether or not this was sent.
chapter_opened = Signal()
