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
