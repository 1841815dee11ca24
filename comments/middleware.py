"""Discovery for Web Annotation Protocol clients: a chapter page names the
container its annotations live in, in a `Link` header as well as in its `<head>`."""

from django.urls import reverse

ANNOTATION_SERVICE = "http://www.w3.org/ns/oa#annotationService"
CHAPTER_PAGES = {"chapters:chapter_detail", "chapters:chapter_revision"}


class AnnotationServiceLinkMiddleware:
    """Inside the page cache's middleware, so a stored chapter page keeps the header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None or match.view_name not in CHAPTER_PAGES or response.status_code != 200:
            return response
        container = reverse("comments:api_book_annotations", kwargs={"book": match.kwargs["book"]})
        link = f'<{request.build_absolute_uri(container)}>; rel="{ANNOTATION_SERVICE}"'
        existing = response.get("Link")
        response["Link"] = f"{existing}, {link}" if existing else link
        return response
