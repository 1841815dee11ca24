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

from accounts.usercache import KEEP_SECONDS, header_key, version_key
from wethink.pagecache import versions_read

# Filled by the apps that own the facts, in their `ready()`: chapters (the books a
# person edits), comments (what waits for an editor), notices (the inbox, watches).
FACTS: dict = {}


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


def header(request) -> dict:
    """Context processor: `header`, the person's header facts, read when used."""
    return {"header": SimpleLazyObject(lambda: header_facts(request))}
