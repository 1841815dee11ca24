"""Reading numbers and choices from query strings and form posts.

Every view that takes a number from a request goes through these helpers (or
a form): a value that cannot be read raises `BadParameter`, which Django answers
with a 400 and the message (`wethink.errors.bad_request`), as JSON under
`/api/`. Python's `int()` and `str.isdigit()` are not used on request data:
they accept "²", "١٢", "1_000" and numbers too large for the database.
"""

import re

from django.core.exceptions import BadRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

# The largest value of a 32-bit signed integer column; no id, page or revision
# number of the site comes near it, and every database stores it.
MAX_INT = 2**31 - 1

_DIGITS = re.compile(r"[0-9]{1,10}")


class BadParameter(BadRequest):
    """A value in the request that cannot be read; its message is shown to the client."""


def int_value(raw, *, name: str, minimum: int = 0, maximum: int = MAX_INT) -> int:
    """`raw` as a whole number between `minimum` and `maximum`, ASCII digits only."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not _DIGITS.fullmatch(text) or not minimum <= int(text) <= maximum:
        raise BadParameter(
            _("“%(name)s” must be a whole number from %(min)s to %(max)s.")
            % {"name": name, "min": minimum, "max": maximum}
        )
    return int(text)


def int_param(
    params, name: str, *, default: int | None = None, minimum: int = 0, maximum: int = MAX_INT
) -> int | None:
    """The number `name` of a QueryDict (or dict); `default` when absent or blank."""
    raw = params.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    return int_value(raw, name=name, minimum=minimum, maximum=maximum)


def int_list(params, name: str, *, minimum: int = 1, maximum: int = MAX_INT) -> list[int]:
    """Every value of `name` (a repeated field) as numbers; blanks are skipped."""
    return [
        int_value(raw, name=name, minimum=minimum, maximum=maximum)
        for raw in params.getlist(name)
        if raw.strip()
    ]


def choice_param(params, name: str, *, choices, default: str) -> str:
    """One of `choices`; `default` when absent or blank."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if raw not in choices:
        raise BadParameter(
            _("“%(name)s” must be one of: %(choices)s.")
            % {"name": name, "choices": ", ".join(sorted(choices))}
        )
    return raw


def next_param(request, *, default: str = "") -> str:
    """The `next` address of the request (POST, then GET) when it is a path or a
    URL on this site; else `default`. `redirect()` reads a bare word as the name
    of a view, so "x" or "²" is refused here rather than failing there."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith(("/", "http://", "https://")) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
