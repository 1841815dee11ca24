"""Who edits which book, as the page header knows it: the `edited_books` header
fact (`accounts.header`), `edits_book` for pages that ask without a query, and
the receivers that refresh the fact when a book's editors change."""

from django.db.models.signals import m2m_changed, post_save, pre_delete

from accounts.header import FACTS, header_facts
from accounts.usercache import people_changed
from chapters.models import Book


def edited_books(user) -> tuple[str, ...]:
    """Slugs of the books the person edits (staff are editors of every book anyway)."""
    return tuple(Book.objects.filter(editors=user).order_by().values_list("slug", flat=True))


def edits_book(request, book_slug: str) -> bool:
    """Whether the signed-in person may edit the book (staff may edit every book)."""
    user = request.user
    return user.is_authenticated and (
        user.is_staff or book_slug in header_facts(request).get("edited_books", ())
    )


def _editors_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if reverse:  # user.edited_books.add(book...)
        people_changed([instance.pk])
    elif action == "pre_clear":
        people_changed(instance.editors.values_list("pk", flat=True))
    else:
        people_changed(pk_set or ())


def _book_saved(sender, instance, **kwargs) -> None:
    # A renamed book changes the slugs its editors' facts hold.
    if instance.pk is not None:
        people_changed(
            list(
                sender.editors.through.objects.filter(book_id=instance.pk).values_list(
                    "user_id", flat=True
                )
            )
        )


def receivers_connect() -> None:
    """The header fact, and what refreshes it."""
    FACTS["edited_books"] = edited_books
    m2m_changed.connect(
        _editors_changed, sender=Book.editors.through, dispatch_uid="header-editors"
    )
    post_save.connect(_book_saved, sender=Book, dispatch_uid="header-book-saved")
    pre_delete.connect(_book_saved, sender=Book, dispatch_uid="header-book-deleted")
