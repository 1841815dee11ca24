"""What a reader is told: the chapters and books they watch (and the digests of
what changed in them, sent by email), and their inbox of replies and decisions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Watch(models.Model):
    """A reader follows a chapter, or a whole book (`chapter` empty): its new
    revisions, and its chapters as they open, come in a digest by email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    book = models.ForeignKey("chapters.Book", on_delete=models.CASCADE, related_name="watches")
    chapter = models.ForeignKey(
        "chapters.Chapter",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="watches",
    )
    # News is what happened after this: watching does not mail the whole history.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user_id", "book_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "book"],
                condition=Q(chapter__isnull=True),
                name="watch_one_per_book",
            ),
            models.UniqueConstraint(
                fields=["user", "chapter"],
                condition=Q(chapter__isnull=False),
                name="watch_one_per_chapter",
            ),
        ]
        verbose_name = _("watch")
        verbose_name_plural = _("watches")

    def __str__(self) -> str:
        return f"{self.user} watches {self.chapter or self.book}"


class Digest(models.Model):
    """One email telling a reader what changed in what they watch. Its entries
    say which revisions and openings it told of; each is told once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user_id", "-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="digest_user_newest")]

    def __str__(self) -> str:
        return f"digest for {self.user} of {self.created_at:%Y-%m-%d %H:%M}"


class DigestEntry(models.Model):
    """A revision, or a chapter's opening, told to a reader in a digest. Unique
    per reader: two runs at once cannot both tell it."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    revision = models.ForeignKey(
        "chapters.ChapterRevision",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    opened = models.ForeignKey(
        "chapters.Chapter", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["digest_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "revision"],
                condition=Q(revision__isnull=False),
                name="digest_revision_told_once",
            ),
            models.UniqueConstraint(
                fields=["user", "opened"],
                condition=Q(opened__isnull=False),
                name="digest_opening_told_once",
            ),
            models.CheckConstraint(
                condition=Q(revision__isnull=True) ^ Q(opened__isnull=True),
                name="digest_entry_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.digest}: {self.revision or self.opened}"


class InboxItem(models.Model):
    """A reply to one of the reader's comments, or a decision on one, shown on
    their inbox page whether or not they get email."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("reply")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        INCORPORATED = "incorporated", _("incorporated")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_items"
    )
    # The reply, or the reader's own comment that was decided on.
    comment = models.ForeignKey("comments.Comment", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user_id", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="inbox_user_newest"),
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="inbox_user_unread"
            ),
        ]
        verbose_name = _("inbox item")

    def __str__(self) -> str:
        return f"{self.kind} for {self.user} on comment {self.comment_id}"
