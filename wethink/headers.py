"""Response headers that say what a page may do, and nothing about the software."""

from django.conf import settings
from django.middleware.csp import ContentSecurityPolicyMiddleware


def permissions_policy(features: dict[str, list[str]]) -> str:
    """`{"camera": []}` as `camera=()`: an empty list denies the feature to every origin."""
    return ", ".join(f"{name}=({' '.join(allowed)})" for name, allowed in features.items())


class SecurityHeadersMiddleware:
    """Adds `Permissions-Policy` and drops any `Server` header set along the way.

    First in `MIDDLEWARE`, so static files served by WhiteNoise and every error
    page get the same headers. The web server's own `Server` line is removed in
    `wethink/gunicorn.conf.py`.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = permissions_policy(settings.WETHINK_PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        response.headers.pop("Server", None)
        return response


class CSPMiddleware(ContentSecurityPolicyMiddleware):
    """Django's policy, except on Django's own debug pages.

    With `DEBUG` on, a 404 or 500 is Django's technical page, whose inline style
    and script carry no nonce; under the policy it would be unstyled and its
    toggles dead. With `DEBUG` off those statuses are the site's own pages.
    """

    def process_response(self, request, response):
        if settings.DEBUG and response.status_code in {404, 500}:
            return response
        return super().process_response(request, response)
