"""Error pages: the site's design for people, JSON under `/api/`.

Django calls these for an exception a view does not handle (`handler400`,
`handler403`, `handler404`, `handler500` in `wethink.urls`); `BadInputMiddleware`
calls `error_response` for its own refusals and for an empty 405.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from wethink.params import BadParameter

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _title(status: int) -> str:
    return {
        400: _("That request cannot be read"),
        403: _("You can't do that here"),
        404: _("There is nothing here"),
        405: _("That is not how this page is used"),
        413: _("That is too large"),
        429: _("Too many requests"),
    }.get(status, _("Something went wrong"))


def error_response(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    """A JSON error under `/api/`, else the site's page for `status` with `message`."""
    if is_api(request):
        return JsonResponse(
            {"error": message or _title(status)},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    template = loader.select_template([f"{status}.html", "error.html"])
    content = template.render(
        {"status": status, "title": _title(status), "message": message}, request
    )
    return HttpResponse(content, status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return error_response(
            request, 413, _("The request is larger than this site accepts; send less.")
        )
    # Only messages the site wrote itself are shown: a SuspiciousOperation's text
    # may describe the request in ways not meant for its sender.
    message = str(exception) if isinstance(exception, BadParameter) else ""
    return error_response(request, 400, message)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api(request):
        return error_response(request, 403, str(exception or "") or _("Not allowed."))
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api(request):
        return error_response(request, 404, _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"error": _("Something went wrong on the server.")}, status=500)
    return defaults.server_error(request)
