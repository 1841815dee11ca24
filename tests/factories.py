import factory
from django.contrib.auth import get_user_model

from chapters.models import Book, Chapter
from chapters.services import chapter_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("a-long-test-password")


class BookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Book
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Book {n}")
    slug = factory.Sequence(lambda n: f"book-{n}")
    status = Book.Status.OPEN

    @factory.post_generation
    def editors(self, create, extracted, **kwargs):
        if create and extracted:
            self.editors.add(*extracted)


def chapter_make(
    *, book: Book, text: str, title: str = "", slug: str = "", editor=None, **kw
) -> Chapter:
    """A chapter with its first revision, made through the service as in production."""
    title = title or text.splitlines()[0].lstrip("# ").strip() or "Chapter"
    return chapter_create(book=book, title=title, slug=slug, text=text, editor=editor, **kw)


def comment_make(*, chapter: Chapter, author, position: int = 2, body: str = "A thought.", **kw):
    """A comment on the block at `position` of the chapter's current revision."""
    from comments.services import comment_create

    block = chapter.current_revision.blocks.get(position=position)
    return comment_create(user=author, chapter=chapter, pid=block.pid, body=body, **kw)


def quotation_removed(chapter: Chapter, editor) -> None:
    """A revision of a chapter of `tests.conftest.CHAPTER_TEXT` without its quotation
    (block 7): comments on it are then on removed text."""
    from comments.revising import chapter_revise
    from tests.conftest import CHAPTER_TEXT

    text = CHAPTER_TEXT.replace("> A quotation worth commenting on.\n\n", "")
    chapter_revise(chapter=chapter, text=text, editor=editor, message="cut")
    chapter.refresh_from_db()


def comment_row(*, chapter: Chapter, block, author, body: str, **fields):
    """An unsaved comment on `block` of the chapter's current revision, for
    `bulk_create` when a test or benchmark needs many: no service, no checks."""
    from comments.models import Comment

    return Comment(
        book=chapter.book,
        chapter=chapter,
        revision=chapter.current_revision,
        pid=block.pid,
        origin_pid=block.pid,
        block_text=block.text,
        body=body,
        body_html=f"<p>{body}</p>",
        author=author,
        **fields,
    )


def big_chapter(slug: str, *, blocks: int, comments: int, readers):
    """A book `slug` whose chapter has `blocks` blocks and `comments` comments by
    `readers`, a fifth of them answered and up to 500 of those voted for; for
    query-count tests. Returns the chapter and its blocks in order."""
    from comments.models import Comment, Vote

    book = BookFactory(slug=slug)
    text = "\n\n".join(
        ["# Big"] + [f"Paragraph number {i} of the chapter." for i in range(1, blocks)]
    )
    chapter = chapter_make(book=book, text=text, slug="big")
    revision = chapter.current_revision
    block_list = list(revision.blocks.order_by("position"))
    rows = [
        comment_row(
            chapter=chapter,
            block=block_list[i % len(block_list)],
            author=readers[i % len(readers)],
            body=f"Comment {i}",
            quote_exact="Paragraph" if i % 3 == 0 else "",
        )
        for i in range(comments)
    ]
    Comment.objects.bulk_create(rows, batch_size=1000)
    roots = list(Comment.objects.filter(chapter=chapter).order_by("id")[: comments // 5])
    Comment.objects.bulk_create(
        [
            Comment(
                book=book,
                chapter=chapter,
                revision=revision,
                pid=root.pid,
                origin_pid=root.pid,
                block_text=root.block_text,
                body="reply",
                body_html="<p>reply</p>",
                author=readers[0],
                parent=root,
                depth=1,
            )
            for root in roots
        ],
        batch_size=1000,
    )
    Vote.objects.bulk_create([Vote(comment=root, user=readers[1]) for root in roots[:500]])
    return chapter, block_list
