"""What the page header shows a signed-in person, kept per person in the shared cache.

`header_facts(request)` returns a dict computed by the functions in `FACTS` (each
takes the user and returns a value that pickles), kept under `hf:<user id>` with
the person's version (`accounts.usercache`): one cache lookup per request at most,
and none when the user was read from the cache in the same request (the facts
come in the same round trip). A write that changes a fact calls
`accounts.usercache.people_changed(user_ids)` for the people concerned; every
fact of theirs is then computed again on their next page.

To add a fact: a function in `FACTS` (with its name), and `people_changed` from
the writes that change it. Templates read `header.<name>` (the `header` context
processor below).
"""

from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from accounts.usercache import KEEP_SECONDS, header_key, people_changed, version_key
from wethink.pagecache import versions_read


def _edited_books(user) -> tuple[str, ...]:
    """Slugs of the books the person edits (staff are editors of every book anyway)."""
    from chapters.models import Book

    return tuple(Book.objects.filter(editors=user).order_by().values_list("slug", flat=True))


FACTS = {
    "edited_books": _edited_books,
}


def header_facts(request) -> dict:
    """The header facts of the signed-in person (an empty dict for anyone else)."""
    if hasattr(request, "_header_facts"):
        return request._header_facts
    user = request.user
    facts: dict = {}
    if user.is_authenticated:
        version = getattr(request, "_person_version", None)
        kept = getattr(request, "_header_kept", None)
        if version is None:
            kept = cache.get(header_key(user.pk))
            (version,) = versions_read([version_key(user.pk)])
        if kept is not None and kept[0] == version:
            facts = kept[1]
        else:
            facts = {name: fact(user) for name, fact in FACTS.items()}
            cache.set(header_key(user.pk), (version, facts), timeout=KEEP_SECONDS)
    request._header_facts = facts
    return facts


def header_facts_forget(request) -> None:
    """Forget the facts this request read, so its own page shows what a write it
    made changed (the inbox page, which marks its items read)."""
    for name in ("_header_facts", "_header_kept", "_person_version"):
        request.__dict__.pop(name, None)
    if request.user.is_authenticated:
        cache.delete(header_key(request.user.pk))


def edits_book(request, book_slug: str) -> bool:
    """Whether the signed-in person may edit the book (staff may edit every book)."""
    user = request.user
    return user.is_authenticated and (
        user.is_staff or book_slug in header_facts(request).get("edited_books", ())
    )


def header(request) -> dict:
    """Context processor: `header`, the person's header facts, read when used."""
    return {"header": SimpleLazyObject(lambda: header_facts(request))}


# --- What changes the facts -----------------------------------------------------


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
    from django.db.models.signals import m2m_changed, post_save, pre_delete

    from chapters.models import Book

    m2m_changed.connect(
        _editors_changed, sender=Book.editors.through, dispatch_uid="header-editors"
    )
    post_save.connect(_book_saved, sender=Book, dispatch_uid="header-book-saved")
    pre_delete.connect(_book_saved, sender=Book, dispatch_uid="header-book-deleted")
