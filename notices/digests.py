"""Digests: one email a day at most telling a reader what changed in the chapters
and books they watch (new revisions, and chapters that opened).

`digests_make` (run by `manage.py send_digests`) writes, per reader with news, a
`Digest` and one `DigestEntry` per revision or opening it tells of, and queues
its email, in one transaction. An entry is unique per reader, so a revision is
never told twice, even by two runs at once: on PostgreSQL the second run waits
on the reader's watch rows and then finds the digest made; elsewhere the
unique constraint refuses its entries and it makes nothing. With the database
task queue the email task is written in that same transaction, so a digest
cannot be made and its email lost; it is built from the entries when it runs,
and retried like every other email (`wethink.tasks.mail_deliver`).
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chapters.models import Chapter, ChapterRevision, chapter_readable_q
from notices.models import Digest, DigestEntry, Watch
from notices.services import unsubscribe_token
from wethink.tasks import mail_deliver

log = logging.getLogger(__name__)

# At most one digest a day: 23 hours apart at least, so a run from a daily cron
# that starts a little earlier than yesterday's still sends.
DIGEST_EVERY = timedelta(hours=23)
# A revision is looked for back to a day before the reader's last digest, not
# only since it: one whose transaction committed after that digest was made
# (written before, seen after) is still told. The entries keep it from being
# told twice.
LATE_COMMITS = timedelta(days=1)


# --- What is new --------------------------------------------------------------------


def _since(watch: Watch, floor: datetime | None) -> datetime:
    return max(watch.created_at, floor) if floor else watch.created_at


def news_revisions(*, user, watches: list[Watch], now: datetime, floor: datetime | None):
    """Revisions of watched chapters and books made after the watch began (and
    after `floor`), that `user` may read, did not make and was not told of."""
    wanted = Q()
    for watch in watches:
        if watch.chapter_id:
            place = Q(chapter_id=watch.chapter_id)
        else:
            place = Q(chapter__book_id=watch.book_id)
        wanted |= place & Q(created_at__gt=_since(watch, floor))
    told = DigestEntry.objects.filter(user_id=user.pk, revision=OuterRef("pk"))
    return (
        ChapterRevision.objects.filter(wanted, created_at__lte=now)
        .filter(chapter_readable_q(user, through="chapter__"))
        .exclude(chapter__status=Chapter.Status.ARCHIVED)
        .exclude(editor_id=user.pk)
        .exclude(Exists(told))
        .select_related("chapter__book", "editor")
        .order_by("chapter__book_id", "chapter__position", "chapter_id", "number")
    )


def news_openings(*, user, watches: list[Watch], now: datetime, floor: datetime | None):
    """Chapters of watched books (or watched themselves) whose opening time came
    after the watch began, that `user` may read and was not told of."""
    wanted = Q()
    for watch in watches:
        place = Q(pk=watch.chapter_id) if watch.chapter_id else Q(book_id=watch.book_id)
        wanted |= place & Q(opens_at__gt=_since(watch, floor))
    if not wanted:
        return Chapter.objects.none()
    told = DigestEntry.objects.filter(user_id=user.pk, opened=OuterRef("pk"))
    return (
        Chapter.objects.filter(wanted, opens_at__lte=now)
        .filter(chapter_readable_q(user))
        .exclude(status=Chapter.Status.ARCHIVED)
        .exclude(Exists(told))
        .select_related("book")
    )


# --- Making digests -----------------------------------------------------------------


def _enqueue_in_transaction() -> bool:
    """Whether the email task may be queued inside the digest's transaction: the
    database queue stores it in the same database, so both commit or neither."""
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(send_digest_email.get_backend(), DatabaseBackend)


def digest_make(*, user, now: datetime | None = None) -> Digest | None:
    """Make `user`'s digest if they have news and had none in the last
    `DIGEST_EVERY`, and queue its email. Returns it, or None. Safe to run twice
    at once (see the module docstring)."""
    now = now or timezone.now()
    if not user.is_active or not user.email:
        return None
    try:
        with transaction.atomic():
            watches = list(Watch.objects.select_for_update(of=("self",)).filter(user_id=user.pk))
            if not watches:
                return None
            last = (
                Digest.objects.filter(user_id=user.pk)
                .order_by("-created_at")
                .values_list("created_at", flat=True)
                .first()
            )
            if last is not None and last > now - DIGEST_EVERY:
                return None
            floor = last - LATE_COMMITS if last is not None else None
            revisions = list(
                news_revisions(user=user, watches=watches, now=now, floor=floor).values_list(
                    "pk", flat=True
                )
            )
            openings = list(
                news_openings(user=user, watches=watches, now=now, floor=floor).values_list(
                    "pk", flat=True
                )
            )
            if not revisions and not openings:
                return None
            digest = Digest.objects.create(user_id=user.pk, created_at=now)
            DigestEntry.objects.bulk_create(
                [DigestEntry(digest=digest, user_id=user.pk, revision_id=pk) for pk in revisions]
                + [DigestEntry(digest=digest, user_id=user.pk, opened_id=pk) for pk in openings]
            )
            if _enqueue_in_transaction():
                send_digest_email.enqueue(digest_id=digest.pk)
            else:
                transaction.on_commit(
                    lambda: send_digest_email.enqueue(digest_id=digest.pk), robust=True
                )
    except IntegrityError:
        # Another run told these revisions meanwhile (only without row locks).
        log.info("digest for user %s made by another run", user.pk)
        return None
    return digest


def digests_make(*, now: datetime | None = None) -> list[Digest]:
    """Every digest due now: one per reader who watches something and has news."""
    now = now or timezone.now()
    watchers = Watch.objects.order_by("user_id").values_list("user_id", flat=True).distinct()
    users = get_user_model().objects.filter(pk__in=list(watchers), is_active=True)
    made = []
    for user in users.order_by("pk").iterator():
        digest = digest_make(user=user, now=now)
        if digest is not None:
            made.append(digest)
    return made


# --- The email ----------------------------------------------------------------------


@dataclass
class ChapterNews:
    chapter: Chapter
    opened: bool = False
    revisions: list = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return bool(self.revisions) and self.revisions[0].number == 1

    @property
    def diff_url(self) -> str:
        """The change the revisions made together, from the one before the first."""
        if not self.revisions or self.is_new:
            return ""
        return reverse(
            "chapters:chapter_diff",
            kwargs={
                "book": self.chapter.book.slug,
                "chapter": self.chapter.slug,
                "a": self.revisions[0].number - 1,
                "b": self.revisions[-1].number,
            },
        )


def digest_news(*, digest: Digest) -> list[ChapterNews]:
    """What a digest tells, by chapter in book order, as the reader may see it
    when the email is built (a chapter made a draft since is left out)."""
    user = digest.user
    readable = chapter_readable_q(user, through="chapter__")
    revisions = (
        ChapterRevision.objects.filter(
            Exists(DigestEntry.objects.filter(digest=digest, revision=OuterRef("pk")))
        )
        .filter(readable)
        .select_related("chapter__book", "editor")
        .order_by("chapter__book__title", "chapter__book_id", "chapter__position", "number")
    )
    opened = set(
        DigestEntry.objects.filter(digest=digest, opened__isnull=False)
        .filter(chapter_readable_q(user, through="opened__"))
        .values_list("opened_id", flat=True)
    )
    by_chapter: dict[int, ChapterNews] = {}
    for revision in revisions:
        news = by_chapter.setdefault(revision.chapter_id, ChapterNews(chapter=revision.chapter))
        news.revisions.append(revision)
        news.opened = revision.chapter_id in opened
    missing = opened - set(by_chapter)
    for chapter in Chapter.objects.filter(pk__in=missing).select_related("book"):
        by_chapter[chapter.pk] = ChapterNews(chapter=chapter, opened=True)
    return sorted(
        by_chapter.values(),
        key=lambda n: (n.chapter.book.title, n.chapter.book_id, n.chapter.position, n.chapter.pk),
    )


def _site_url(path: str) -> str:
    return settings.WETHINK_SITE_URL.rstrip("/") + path


def digest_message(*, digest_id: int) -> EmailMessage | None:
    """The digest's email, or None when there is nothing to send any more: it was
    sent, the person left or has no email, or nothing in it may be shown now."""
    digest = Digest.objects.select_related("user").filter(pk=digest_id).first()
    if digest is None or digest.sent_at is not None:
        return None
    user = digest.user
    if not user.is_active or not user.email:
        return None
    news = digest_news(digest=digest)
    if not news:
        return None
    watches = (
        Watch.objects.filter(user_id=user.pk)
        .select_related("book", "chapter")
        .order_by("book__title", "chapter__position", "chapter_id")
    )
    stop_all = _site_url(
        reverse("notices:unsubscribe", kwargs={"token": unsubscribe_token(user_id=user.pk)})
    )
    stops = [
        (
            watch,
            _site_url(
                reverse(
                    "notices:unsubscribe",
                    kwargs={"token": unsubscribe_token(user_id=user.pk, watch_id=watch.pk)},
                )
            ),
        )
        for watch in watches
    ]
    books = {n.chapter.book_id for n in news}
    if len(books) == 1:
        subject = _("New in “%(title)s”") % {"title": news[0].chapter.book.title}
    else:
        subject = ngettext(
            "New in %(count)d book you watch", "New in %(count)d books you watch", len(books)
        ) % {"count": len(books)}
    body = render_to_string(
        "notices/email/digest.txt",
        {
            "recipient": user,
            "news": news,
            "stops": stops,
            "stop_all": stop_all,
            "site_url": _site_url(""),
        },
    )
    return EmailMessage(
        subject=subject,
        body=body,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{stop_all}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


@task
def send_digest_email(digest_id: int, attempt: int = 1) -> bool:
    sent = mail_deliver(
        message=digest_message(digest_id=digest_id),
        task=send_digest_email,
        attempt=attempt,
        retry_kwargs={"digest_id": digest_id},
    )
    if sent:
        Digest.objects.filter(pk=digest_id, sent_at__isnull=True).update(sent_at=timezone.now())
    return sent
