"""The signed-in person, read from the shared cache rather than the database.

Every signed-in request needs its user: Django's `AuthenticationMiddleware` reads
the row by primary key each time. Here the row is kept in the shared cache beside a
*version*, a random token per person (`uv:<id>`) that is replaced after every commit
that changes the person: a save or delete of the user (a password, `is_active`,
`is_staff`, the username) and, through `accounts.header`, what the page header
shows for them (the books they edit). A kept user whose version is not the current
one is never used, so a deactivated account or a changed password takes effect at
once, exactly as with the database read.

The session is still verified as Django verifies it (`get_session_auth_hash`,
with the fallback secrets), on the kept user's password hash.

The header facts of the person (`accounts.header`) are read in the same round trip.
"""

from functools import partial

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, load_backend
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from wethink.pagecache import site_changed, versions_read

KEEP_SECONDS = 24 * 3600


def version_key(user_id) -> str:
    return f"uv:{user_id}"


def user_key(user_id) -> str:
    return f"u:{user_id}"


def header_key(user_id) -> str:
    return f"hf:{user_id}"


def people_changed(user_ids) -> None:
    """What is kept about these people changed: replace their versions once the
    current transaction commits (at once outside one)."""
    keys = [version_key(pk) for pk in set(user_ids) if pk is not None]
    if keys:
        transaction.on_commit(lambda: _bump(keys), robust=True)


def _bump(keys: list[str]) -> None:
    from wethink.pagecache import _token

    cache.set_many({key: _token() for key in keys}, timeout=None)
    if getattr(cache, "is_down", False):
        # The old versions may still be in a Redis that comes back: drop them all.
        cache.delete_many(keys)


def _personal_keys(user_id) -> list[str]:
    return [version_key(user_id), user_key(user_id), header_key(user_id)]


def person_keys(request, user_id) -> list[str]:
    """What `_kept_user` reads for `user_id` in one round trip: the person's version,
    kept user and header facts, and the keys of the view about to run."""
    return _personal_keys(user_id) + _view_keys(request, user_id)


def _kept_user(request, user_id, backend, found=None):
    """The user `backend` returns for `user_id`, from the shared cache when the kept
    copy is of the current version. Also keeps the header facts read with it on the
    request (`request._header_kept`). `found`: `(user id, what was read of its
    person_keys)`, read by the caller in a round trip of its own; used only when it
    is for `user_id`."""
    extra = _view_keys(request, user_id)
    if found is not None and found[0] == user_id:
        found = found[1]
    else:
        found = cache.get_many(_personal_keys(user_id) + extra)
    request._prefetched = {key: found[key] for key in extra if key in found}
    request._prefetch_asked = set(extra)
    version = found.get(version_key(user_id))
    if version is None:
        (version,) = versions_read([version_key(user_id)])
    request._person_version = version
    request._header_kept = found.get(header_key(user_id))
    kept = found.get(user_key(user_id))
    if kept is not None and kept[0] == version and kept[1] == backend.__class__.__name__:
        return kept[2]
    user = backend.get_user(user_id)
    if user is not None:
        cache.set(
            user_key(user_id), (version, backend.__class__.__name__, user), timeout=KEEP_SECONDS
        )
    return user


def _view_keys(request, user_id) -> list[str]:
    """Cache keys the view about to run will read for this person, read in the same
    round trip as the user: a view function's `prefetch_keys(request, user_id,
    kwargs)`. Empty when the user is read before the URL is resolved. Asked once
    per request and person."""
    asked = getattr(request, "_view_keys", None)
    if asked is not None and asked[0] == user_id:
        return asked[1]
    match = getattr(request, "resolver_match", None)
    keys_for = getattr(match.func, "prefetch_keys", None) if match else None
    if not keys_for:
        return []
    keys = keys_for(request, user_id, match.kwargs)
    request._view_keys = (user_id, keys)
    return keys


def prefetched(request, keys: list[str]) -> dict | None:
    """What `_view_keys` read for `keys` (absent keys were not in the cache), or None
    when they were not read with the user."""
    found = getattr(request, "_prefetched", None)
    if found is None or not set(keys) <= getattr(request, "_prefetch_asked", set()):
        return None
    return {key: found[key] for key in keys if key in found}


def _session_user(request, found=None):
    """The user the session names, as its backend returns it (through `_kept_user`,
    given what was `found` of its `person_keys`), or None; the session's hash is not
    checked here."""
    try:
        user_id = auth._get_user_session_key(request)
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    return _kept_user(request, user_id, load_backend(backend_path), found)


def get_user(request):
    """`django.contrib.auth.get_user`, with the user read through `_kept_user`."""
    user = _session_user(request)
    if hasattr(user, "get_session_auth_hash"):
        session_hash = request.session.get(HASH_SESSION_KEY)
        auth_hash = user.get_session_auth_hash()
        if not session_hash or not constant_time_compare(session_hash, auth_hash):
            if session_hash and any(
                constant_time_compare(session_hash, fallback)
                for fallback in user.get_session_auth_fallback_hash()
            ):
                request.session.cycle_key()
                request.session[HASH_SESSION_KEY] = auth_hash
            else:
                request.session.flush()
                user = None
    return user or AnonymousUser()


def verified_user(request, found=None):
    """The signed-in user when the session holds the hash of their current password
    (the secret key's, not a fallback's), as `get_user` would return them; None in
    every other case, where `get_user` may rewrite or flush the session. Writes
    nothing to the session. `found`: what was read of `person_keys` for the user
    the session names, as for `_kept_user`."""
    user = _session_user(request, found)
    session_hash = request.session.get(HASH_SESSION_KEY)
    if (
        hasattr(user, "get_session_auth_hash")
        and session_hash
        and constant_time_compare(session_hash, user.get_session_auth_hash())
    ):
        return user
    return None


def _lazy_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)
    return request._cached_user


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's `AuthenticationMiddleware`, with `request.user` read through the
    shared cache (see the module docstring). `request.auser` is Django's own."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(partial(_lazy_user, request))


def _user_saved(sender, instance, **kwargs) -> None:
    people_changed([instance.pk])


def _username_saved(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    # Every page may show usernames (the page cache's site version); a login only
    # writes last_login.
    if not created and (update_fields is None or "username" in update_fields):
        site_changed()


def receivers_connect() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save

    User = get_user_model()
    post_save.connect(_user_saved, sender=User, dispatch_uid="usercache-user-saved")
    post_delete.connect(_user_saved, sender=User, dispatch_uid="usercache-user-deleted")
    post_save.connect(_username_saved, sender=User, dispatch_uid="pagecache-user")
