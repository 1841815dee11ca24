"""Django's WSGI handler with a shortcut in front of its middleware.

Django answers every request through the whole `MIDDLEWARE` stack, a fixed cost
that is most of the time of a page made from kept parts. A `Shortcut` may answer
a request itself, from what the full stack has shown it, before the stack runs:

- `answer(request)` returns a response, or None to let the full stack answer.
  It may set attributes on the request only once it has decided to try (it then
  sets `request.shortcut_tried`); the full stack is then given a new request, so
  nothing the shortcut read is taken for what the middleware would have set.
- `seen(request, response)` is shown every response of the full stack.

The handler's own work is kept: the request signals (database connections are
closed or kept as after any request), the script prefix, the URLconf, and the
closing of the request with the response. An error in the shortcut is logged
and the full stack answers.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.urls import set_urlconf

log = logging.getLogger(__name__)


class Shortcut(Protocol):
    def answer(self, request: HttpRequest) -> HttpResponse | None: ...

    def seen(self, request: HttpRequest, response: HttpResponse) -> None: ...


class ShortcutHandler(WSGIHandler):
    def __init__(self, shortcut: Shortcut):
        super().__init__()
        self.shortcut = shortcut

    def get_response(self, request):
        set_urlconf(settings.ROOT_URLCONF)
        try:
            response = self.shortcut.answer(request)
        except Exception:
            log.exception("shortcut failed on %s; the full stack answers", request.path)
            response = None
        if response is not None:
            response._resource_closers.append(request.close)
            return response
        if getattr(request, "shortcut_tried", False):
            request = self.request_class(request.environ)
        response = super().get_response(request)
        try:
            self.shortcut.seen(request, response)
        except Exception:
            log.exception("shortcut could not learn from %s", request.path)
        return response
