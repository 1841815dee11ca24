"""Chapters released on a schedule.

A published chapter with `opens_at` in the future is a draft to readers until then
(`chapters.models.chapter_public_q`, checked at read time, so it opens at the
second). What is left to do when it opens is to announce it once: the
`chapter_opened` signal, sent by `chapters_open_due`. That runs as a task queued for
the opening time when an editor schedules the chapter (`opening_schedule`), and from
`manage.py open_chapters`, which catches up on anything the queue missed (the
immediate task backend cannot wait; a worker that was stopped).
"""

from datetime import datetime

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from chapters.models import Chapter
from chapters.signals import chapter_opened
from wethink import pagecache


def chapters_open_due(*, now: datetime | None = None, chapter_ids=None) -> list[Chapter]:
    """Announce every chapter whose opening time has come and that was not announced
    since it was last scheduled (of `chapter_ids`, when given): marks it and sends
    `chapter_opened` for it, in one transaction. Rows another run holds are skipped,
    so two runs at once announce each chapter once. Returns the chapters announced."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Chapter.objects.filter(
            status=Chapter.Status.PUBLISHED,
            opens_at__lte=now,
            opening_sent_at__isnull=True,
        )
        if chapter_ids is not None:
            due = due.filter(pk__in=list(chapter_ids))
        chapters = list(
            due.select_for_update(skip_locked=True, of=("self",))
            .select_related("book")
            .order_by("opens_at", "pk")
        )
        if not chapters:
            return []
        Chapter.objects.filter(pk__in=[c.pk for c in chapters]).update(opening_sent_at=now)
        for chapter in chapters:
            chapter.opening_sent_at = now
            chapter_opened.send(sender=Chapter, chapter=chapter)
        for slug in {chapter.book.slug for chapter in chapters}:
            pagecache.book_changed(slug)
    return chapters


@task()
def chapter_open(*, chapter_id: int) -> int:
    """Queued for a chapter's opening time; announces it if it is due then."""
    return len(chapters_open_due(chapter_ids=[chapter_id]))


def opening_schedule(*, chapter: Chapter, previous_opens_at: datetime | None) -> None:
    """Called by a write that may change `chapter.opens_at`, before it saves the
    chapter: a new opening time is announced again when it comes (a chapter that
    was already public and stays so is not announced), and the announcement is
    queued for that time once the write commits."""
    if chapter.opens_at == previous_opens_at:
        return
    now = timezone.now()
    if chapter.opens_at is None:
        return
    was_public = chapter.pk is not None and (previous_opens_at is None or previous_opens_at <= now)
    if chapter.opens_at <= now and was_public:
        chapter.opening_sent_at = chapter.opening_sent_at or now
        return
    chapter.opening_sent_at = None
    if chapter.opens_at > now and chapter_open.get_backend().supports_defer:
        when = chapter.opens_at

        def enqueue() -> None:
            chapter_open.using(run_after=when).enqueue(chapter_id=chapter.pk)

        transaction.on_commit(enqueue, robust=True)
