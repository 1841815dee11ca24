"""Refusing unreadable requests before any view sees them, and answering values a view
could not read."""

from django.utils.translation import gettext as _

from wethink.errors import bad_request, error_response, is_api
from wethink.params import BadParameter


def has_nul(params) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in params.lists())


class BadInputMiddleware:
    """A NUL character in the path, a query value or a form value is a 400.

    No text of the site may contain one, and PostgreSQL refuses it in any string
    (an error, not an empty result), so it is stopped here rather than in every
    lookup. An empty 405 (`require_POST`) gets the site's page or JSON.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Reading POST here parses the form once for every later reader; an
        # oversized body raises RequestDataTooBig, answered by `bad_request`. The
        # API reads its JSON body itself (and checks its strings), so its POST is
        # left unparsed: a parsed multipart body could no longer be read as JSON.
        form = request.POST if not is_api(request) else {}
        if "\x00" in request.path_info or has_nul(request.GET) or (form and has_nul(form)):
            return error_response(
                request, 400, _("Null characters are not allowed. Remove them and try again.")
            )
        response = self.get_response(request)
        if response.status_code == 405 and not response.streaming and not response.content:
            refused = error_response(request, 405)
            if response.has_header("Allow"):
                refused["Allow"] = response["Allow"]
            return refused
        return response

    def process_exception(self, request, exception):
        # A value the site could not read is the sender's mistake, not a fault to
        # debug: the site's 400 page (or JSON) even with DEBUG on, where Django
        # would show its technical page (plain text to a client not asking for HTML).
        if isinstance(exception, BadParameter):
            return bad_request(request, exception)
        return None
