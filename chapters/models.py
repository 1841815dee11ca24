"""Books, chapters and the revisions of a chapter's text.

A chapter's text is only ever changed through `chapters.services`: every change
makes a `ChapterRevision` (the rendered, pid-anchored blocks of that revision)
and a django-reversion revision (the snapshot the admin can show and recover).
"""

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Words the site uses after /b/<book>/ itself, so no chapter may take them as its slug.
RESERVED_CHAPTER_SLUGS = frozenset(
    {
        "feed",
        "moderation",
        "acknowledgements",
        "fold",
        "search",
        "export",
        "annotations",
        "changes",
        "discussion",
    }
)


def validate_chapter_slug(value: str) -> None:
    if value in RESERVED_CHAPTER_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is used by the site itself; choose another slug."),
            params={"slug": value},
        )


class BookQuerySet(models.QuerySet):
    def readable_by(self, user) -> "BookQuerySet":
        """Books a person may read: open and closed books, and drafts they edit."""
        if user.is_authenticated and user.is_staff:
            return self
        visible = ~Q(status=Book.Status.DRAFT)
        if user.is_authenticated:
            visible |= Q(editors=user)
        return self.filter(visible).distinct()

    def editable_by(self, user) -> "BookQuerySet":
        """Books a person may revise: every book for staff, else those naming them
        among their editors. The one place that rule lives (`Book.is_editor` asks it)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        return self.filter(editors=user)


class Book(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft (editors only)")
        OPEN = "open", _("Open for comments")
        CLOSED = "closed", _("Closed for comments")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )

    class Moderation(models.TextChoices):
        IMMEDIATE = "immediate", _("Comments appear at once")
        FIRST_COMMENT = "first", _("A new reader's first comment waits for approval")

    moderation = models.CharField(
        _("moderation"), max_length=10, choices=Moderation.choices, default=Moderation.IMMEDIATE
    )
    comments_close_at = models.DateTimeField(
        _("comments open until"),
        null=True,
        blank=True,
        help_text=_("Leave empty to keep comments open while the book is open for comments."),
    )
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="edited_books",
        verbose_name=_("editors"),
        help_text=_("The author and the editors: they triage feedback and revise chapters."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BookQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("book")
        verbose_name_plural = _("books")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("chapters:book_detail", kwargs={"book": self.slug})

    def is_editor(self, user) -> bool:
        """Whether `user` may revise this book's chapters (`editable_by`), asked once
        per book object and person."""
        if not user.is_authenticated or user.is_staff:
            return user.is_authenticated
        known = self.__dict__.setdefault("_editor_of", {})
        if user.pk not in known:
            known[user.pk] = Book.objects.editable_by(user).filter(pk=self.pk).exists()
        return known[user.pk]


def chapter_public_q(*, through: str = "", now=None) -> Q:
    """Whether a chapter is public (to anyone who may read its book): not a draft, and
    its opening time, when it has one, has come. Until then a scheduled chapter is a
    draft to readers. The one place that rule lives."""
    return ~Q(**{f"{through}status": Chapter.Status.DRAFT}) & (
        Q(**{f"{through}opens_at__isnull": True})
        | Q(**{f"{through}opens_at__lte": now or timezone.now()})
    )


def book_readable_q(user, *, through: str = "") -> Q:
    """Whether `user` may read a book, as a condition on the book reached by
    `through` (say "book__" from a comment): open and closed books; drafts only for
    their editors; everything for staff. What a comment on the book as a whole asks."""
    if user.is_authenticated and user.is_staff:
        return Q()
    shown = ~Q(**{f"{through}status": Book.Status.DRAFT})
    if user.is_authenticated:
        edited = Book.editors.through.objects.filter(user_id=user.pk).values("book_id")
        shown |= Q(**{f"{through}id__in": edited})
    return shown


def chapter_readable_q(user, *, through: str = "") -> Q:
    """Whether `user` may open a chapter, as a condition on the chapter reached by
    `through` (say "chapter__" from a comment): public chapters (`chapter_public_q`) of an
    open or closed book; drafts of either only for the book's editors; everything
    for staff. The one rule behind `Chapter.objects.readable_by` and
    `Comment.objects.visible_to`.

    A condition on the row's own joins rather than a subquery of readable chapters:
    PostgreSQL can misjudge such a subquery and run it once per comment."""
    if user.is_authenticated and user.is_staff:
        return Q()
    shown = chapter_public_q(through=through) & ~Q(**{f"{through}book__status": Book.Status.DRAFT})
    if user.is_authenticated:
        edited = Book.editors.through.objects.filter(user_id=user.pk).values("book_id")
        shown |= Q(**{f"{through}book_id__in": edited})
    return shown


class ChapterQuerySet(models.QuerySet):
    def readable_by(self, user) -> "ChapterQuerySet":
        """Chapters a person may open (see `chapter_readable_q`)."""
        return self.filter(chapter_readable_q(user)).select_related("book", "current_revision")

    def public(self) -> "ChapterQuerySet":
        """Chapters anyone may read once they may read the book (see `chapter_public_q`)."""
        return self.filter(chapter_public_q())

    def in_contents(self) -> "ChapterQuerySet":
        return self.exclude(status=Chapter.Status.ARCHIVED).filter(current_revision__isnull=False)


@reversion.register()
class Chapter(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        DRAFT = "draft", _("Draft (editors only)")
        ARCHIVED = "archived", _("Archived (hidden from the contents)")

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="chapters")
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, validators=[validate_chapter_slug])
    text = models.TextField(_("text"), blank=True, help_text=_("Markdown."))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED
    )

    class CommentPeriod(models.TextChoices):
        BOOK = "book", _("As the book")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    comment_period = models.CharField(
        _("comments"), max_length=10, choices=CommentPeriod.choices, default=CommentPeriod.BOOK
    )
    comments_close_at = models.DateTimeField(
        _("comments open until"),
        null=True,
        blank=True,
        help_text=_("A closing date for this chapter alone; empty follows the book."),
    )
    opens_at = models.DateTimeField(
        _("public from"),
        null=True,
        blank=True,
        help_text=_(
            "A date and time at which a published chapter becomes public; until then readers "
            "see it as a draft. Empty: public at once."
        ),
    )
    # When the chapter's opening was announced (`chapter_opened`); reset when it is
    # scheduled again, so each opening is announced once.
    opening_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    current_revision = models.ForeignKey(
        "ChapterRevision",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ChapterQuerySet.as_manager()

    class Meta:
        ordering = ["book_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["book", "slug"], name="chapter_unique_slug_in_book")
        ]
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "chapters:chapter_detail", kwargs={"book": self.book.slug, "chapter": self.slug}
        )

    def clean(self) -> None:
        if self.opens_at is not None and self.status == self.Status.DRAFT:
            raise ValidationError(
                {
                    "opens_at": _(
                        "A draft never opens: set the status to Published to open the "
                        "chapter at this time."
                    )
                }
            )

    @property
    def is_scheduled(self) -> bool:
        """Published, but its opening time has not come: a draft to readers."""
        return (
            self.status == self.Status.PUBLISHED
            and self.opens_at is not None
            and self.opens_at > timezone.now()
        )


class ChapterRevision(models.Model):
    """One revision of a chapter: its Markdown, who made it and why, and its blocks.

    Kept beside django-reversion's snapshots so that history, diffs and reading
    an old revision never deserialize a reversion `Version`.
    """

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chapter_revisions",
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    block_count = models.PositiveIntegerField(default=0)
    # Where pids went that the block list alone does not show:
    # {"split_from": {new_pid: old_pid}, "merged": {old_pid: new_pid}}.
    lineage = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["chapter_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["chapter", "number"], name="chapter_revision_unique_number"
            )
        ]
        verbose_name = _("chapter revision")

    def __str__(self) -> str:
        return f"{self.chapter} r{self.number}"

    def get_absolute_url(self) -> str:
        return reverse(
            "chapters:chapter_revision",
            kwargs={
                "book": self.chapter.book.slug,
                "chapter": self.chapter.slug,
                "number": self.number,
            },
        )


class GitImport(models.Model):
    """Where a book's import from a Git repository stands: the last commit replayed,
    so that importing again picks up from there (`chapters.git_history`)."""

    book = models.OneToOneField(Book, on_delete=models.CASCADE, related_name="git_import")
    repository = models.CharField(_("repository"), max_length=500)
    last_commit = models.CharField(_("last imported commit"), max_length=64)
    imported_at = models.DateTimeField(_("imported"), auto_now=True)

    class Meta:
        verbose_name = _("Git import")

    def __str__(self) -> str:
        return f"{self.book} @ {self.last_commit[:12]}"


class Block(models.Model):
    """A commentable block of one revision: its pid, place, kind, rendered HTML and text."""

    revision = models.ForeignKey(ChapterRevision, on_delete=models.CASCADE, related_name="blocks")
    position = models.PositiveIntegerField()
    pid = models.CharField(max_length=16)
    kind = models.CharField(max_length=16)
    html = models.TextField()
    text = models.TextField()

    class Meta:
        ordering = ["revision_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "position"], name="block_unique_position"),
            models.UniqueConstraint(fields=["revision", "pid"], name="block_unique_pid"),
        ]
        indexes = [models.Index(fields=["pid"])]

    def __str__(self) -> str:
        return f"{self.pid} ({self.kind})"


class ChapterVisit(models.Model):
    """What a signed-in reader last read of a chapter, for "since your last visit".

    `revision` and `seen_at` are the latest view; `since_revision` and `since_at`
    the visit before it (the day before, or earlier), which the chapter page
    compares with now. Written at most once per reader, chapter and day, or when
    the reader sees a newer revision (`pages.visits.visit_record`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chapter_visits"
    )
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="visits")
    revision = models.PositiveIntegerField()
    seen_at = models.DateTimeField()
    since_revision = models.PositiveIntegerField()
    since_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "chapter"], name="chapter_visit_one_per_reader")
        ]
        verbose_name = _("chapter visit")

    def __str__(self) -> str:
        return f"{self.user_id} read {self.chapter_id} r{self.revision}"
