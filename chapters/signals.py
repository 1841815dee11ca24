"""Signals other apps listen to. Sent inside the revising transaction, so a
receiver's writes commit or roll back with the revision."""

from django.dispatch import Signal

# Sent by `chapters_revise` with `revisions`: the new ChapterRevision objects of one book.
chapters_revised = Signal()
