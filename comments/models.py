"""Reader comments on paragraphs, their replies, votes, flags and edits.

A comment is anchored by the pid of the block it is about, in the chapter where
that pid lives now; it also keeps the revision it was written on and the block's
text at that time, so its state against the current text can be shown:
current, changed, orphaned, or (once an editor folds it in) incorporated.
A comment on the chapter as a whole has the pid WHOLE_CHAPTER; one on the book as
a whole has no chapter and no revision, and the pid WHOLE_BOOK.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chapters.models import Book, Chapter, ChapterRevision, book_readable_q, chapter_readable_q

MAX_BODY = 10_000
# Replies nest this deep at most; a reply to the deepest level joins that level.
MAX_DEPTH = 2


def comment_readable_q(user, *, through: str = "") -> Q:
    """Whether `user` may read where a comment (reached by `through`, say "comment__")
    stands: its chapter (`chapter_readable_q`), or for a comment on the book as a
    whole, its book (`book_readable_q`). The one place that rule lives."""
    on_book = Q(**{f"{through}chapter__isnull": True}) & book_readable_q(
        user, through=f"{through}book__"
    )
    on_chapter = Q(**{f"{through}chapter__isnull": False}) & chapter_readable_q(
        user, through=f"{through}chapter__"
    )
    return on_book | on_chapter


class CommentQuerySet(models.QuerySet):
    def visible_to(
        self, user, *, book: Book | None = None, chapter: Chapter | None = None
    ) -> "CommentQuerySet":
        """Comments `user` may see (of `book`, when given): on chapters they may read,
        visible ones and their own pending or hidden ones; everything for the book's
        editors and staff. Every read of comments shown to people starts here.

        With `chapter` (of `book`), only the comments on that chapter; whether the
        chapter may be read is then asked of the chapter once (an uncorrelated
        `EXISTS`, which PostgreSQL runs one time), not through every comment's
        joins, so the plan stays a scan of the chapter's comments whatever the
        planner believes of the tables."""
        qs = self if book is None else self.filter(book=book)
        if chapter is not None:
            qs = qs.filter(chapter=chapter)
        if user.is_authenticated and user.is_staff:
            return qs
        if book is not None and book.is_editor(user):
            return qs
        shown = Q(moderation=Comment.Moderation.VISIBLE)
        if user.is_authenticated:
            shown |= Q(author=user)
            if book is None:
                shown |= Q(book__in=Book.objects.editable_by(user).values("pk"))
        # A comment on a chapter they may not open (a draft, or a draft book's) is
        # gone for them, whoever wrote it.
        if chapter is not None:
            readable = Chapter.objects.filter(chapter_readable_q(user), pk=chapter.pk)
            return qs.filter(shown, Exists(readable))
        return qs.filter(shown, comment_readable_q(user))

    def with_viewer(self, user) -> "CommentQuerySet":
        """Annotate `voted`: whether `user` voted for each comment."""
        if not user.is_authenticated:
            return self.annotate(voted=models.Value(False))
        return self.annotate(voted=Exists(Vote.objects.filter(comment=OuterRef("pk"), user=user)))


# The pid of comments on a chapter as a whole: no paragraph has it (paragraph ids
# are six characters, `chapters.services.pid_new`), and the chapter page's section
# for them carries `id="p-chapter"`, so `#p-<pid>` links land there too.
WHOLE_CHAPTER = "chapter"
# The pid of comments on the book as a whole: they have no chapter and no revision,
# and live on the book's discussion page (`comments:discussion`).
WHOLE_BOOK = "book"


class Comment(models.Model):
    class Moderation(models.TextChoices):
        VISIBLE = "visible", _("visible")
        PENDING = "pending", _("awaiting approval")
        HIDDEN = "hidden", _("hidden by a moderator")
        SPAM = "spam", _("marked as spam")

    class Decision(models.TextChoices):
        OPEN = "open", _("open")
        ACCEPTED = "accepted", _("accepted")
        DEFERRED = "deferred", _("deferred")
        DECLINED = "declined", _("declined")
        INCORPORATED = "incorporated", _("incorporated")

    class AnchorState(models.TextChoices):
        CURRENT = "current", _("current")
        CHANGED = "changed", _("changed")
        ORPHANED = "orphaned", _("orphaned")

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="comments")
    # None for a comment on the book as a whole (pid WHOLE_BOOK), and then no revision.
    chapter = models.ForeignKey(
        Chapter, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    pid = models.CharField(max_length=16, help_text=_("The block it is anchored to now."))
    # Revisions go only when their chapter or book is deleted, and comments with them.
    revision = models.ForeignKey(
        ChapterRevision,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        help_text=_("The revision it was written on."),
    )
    origin_pid = models.CharField(max_length=16)
    block_text = models.TextField(
        blank=True,
        help_text=_(
            "The block's text when the comment was written (empty for the chapter as a whole)."
        ),
    )
    quote_exact = models.TextField(blank=True)
    quote_prefix = models.CharField(max_length=64, blank=True)
    quote_suffix = models.CharField(max_length=64, blank=True)
    body = models.TextField(max_length=MAX_BODY)
    body_html = models.TextField()
    suggestion = models.TextField(blank=True, max_length=MAX_BODY)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    moderation = models.CharField(
        max_length=10, choices=Moderation.choices, default=Moderation.VISIBLE
    )
    moderation_reason = models.CharField(max_length=500, blank=True)
    anchor_state = models.CharField(
        max_length=10, choices=AnchorState.choices, default=AnchorState.CURRENT
    )
    decision = models.CharField(max_length=12, choices=Decision.choices, default=Decision.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    incorporated_in = models.ForeignKey(
        ChapterRevision,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incorporated_comments",
    )
    vote_count = models.PositiveIntegerField(default=0)
    # From the annotations API (comments/annotations.py): the IRI an annotation
    # keeps across systems, the id it had where it came from, and its tags
    # (`tagging` bodies, kept apart from the comment's text).
    canonical = models.CharField(max_length=2000, blank=True)
    via = models.CharField(max_length=2000, blank=True)
    tags = models.JSONField(default=list, blank=True)
    # The one-time token of the form it was posted from: the same form sent again
    # (Back, then Post again) finds this comment instead of making a second one.
    form_token = models.CharField(max_length=64, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["chapter", "pid"]),
            models.Index(fields=["book", "created_at"]),
            models.Index(fields=["author", "created_at"]),
        ]
        constraints = [
            # On a chapter (with the revision it was written on), or on the book as a
            # whole (neither): nothing in between.
            models.CheckConstraint(
                condition=Q(chapter__isnull=False, revision__isnull=False)
                | Q(chapter__isnull=True, revision__isnull=True, pid=WHOLE_BOOK),
                name="comment_on_chapter_or_book",
            ),
            models.UniqueConstraint(
                fields=["author", "form_token"],
                condition=~Q(form_token=""),
                name="comment_form_token_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.pid}: {self.body[:40]}"

    def get_absolute_url(self) -> str:
        return f"{self.thread_url}#c{self.pk}"

    @property
    def thread_url(self) -> str:
        """The page of the thread it is in: a paragraph's, the chapter's, or the book's."""
        if self.on_whole_book:
            return reverse("comments:discussion", kwargs={"book": self.book.slug})
        return reverse(
            "comments:thread",
            kwargs={"book": self.book.slug, "chapter": self.chapter.slug, "pid": self.pid},
        )

    @property
    def place_title(self) -> str:
        """The title of what it is on: its chapter, or its book as a whole."""
        return self.book.title if self.on_whole_book else self.chapter.title

    @property
    def on_whole_chapter(self) -> bool:
        return self.pid == WHOLE_CHAPTER

    @property
    def on_whole_book(self) -> bool:
        return self.chapter_id is None

    @property
    def takes_suggestion(self) -> bool:
        """Only a comment on a paragraph can suggest wording: a reply, or a comment on
        a whole chapter or book, has no paragraph to reword."""
        return self.parent_id is None and not self.on_whole_chapter and not self.on_whole_book

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_suggestion(self) -> bool:
        return bool(self.suggestion)

    @property
    def state(self) -> str:
        """Where the comment stands against the current text."""
        if self.decision == self.Decision.INCORPORATED:
            return "incorporated"
        return self.anchor_state


class CommentEdit(models.Model):
    """The text a comment had before an edit: edits never lose what was said."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="edits")
    body = models.TextField()
    suggestion = models.TextField(blank=True)
    quote_exact = models.TextField(blank=True)
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-replaced_at", "-id"]

    def __str__(self) -> str:
        return f"earlier text of comment {self.comment_id}"


class Vote(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="vote_one_per_reader")
        ]

    def __str__(self) -> str:
        return f"vote by {self.user_id} for comment {self.comment_id}"


class Flag(models.Model):
    class Kind(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSIVE = "abusive", _("Abusive or hateful")
        OFF_TOPIC = "off-topic", _("Off-topic")
        OTHER = "other", _("Something else")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="flag_one_per_reader")
        ]

    def __str__(self) -> str:
        return f"flag by {self.user_id} on comment {self.comment_id}: {self.reason}"
