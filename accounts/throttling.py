"""Who a request comes from, for login lockouts and the password-reset limit.

Behind a reverse proxy every request arrives from the proxy's address, so a
lockout keyed on REMOTE_ADDR would lock a username for everyone. The client's
address is read from X-Forwarded-For only when `WETHINK_TRUSTED_PROXIES` says
how many proxies stand in front of the site: each proxy appends the address it
was reached from, so the client is that many entries from the right. Anything
further left was written by the client and is never believed.
"""

import hashlib
import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Attempt

# The longest username an account can have; the lockout table allows 255.
USERNAME_MAX = 150


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.WETHINK_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:
        # Fewer hops than proxies: the request did not come through all of them.
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username a login attempt is recorded under by django-axes: as typed, cut to
    the longest an account can have, so an absurdly long one is an ordinary wrong login."""
    if credentials:
        username = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        data = getattr(request, "data", request.POST)
        username = data.get(settings.AXES_USERNAME_FORM_FIELD)
    if not isinstance(username, str):
        return username
    return username[:USERNAME_MAX]


@transaction.atomic
def over_limit(*, scope: str, who: str, limit: int, seconds: int) -> bool:
    """Record one more attempt by `who` in `scope`; True once more than `limit`
    attempts fall in the last `seconds`. `who` is stored only as a hash."""
    now = timezone.now()
    since = now - timedelta(seconds=seconds)
    key_hash = hashlib.sha256(who.encode()).hexdigest()
    Attempt.objects.filter(scope=scope, created_at__lt=since).delete()
    Attempt.objects.create(scope=scope, key_hash=key_hash)
    return Attempt.objects.filter(scope=scope, key_hash=key_hash).count() > limit
