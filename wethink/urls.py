from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

admin.site.site_header = "wethink administration"
admin.site.site_title = "wethink admin"


def favicon(request):
    """Pages name their icon; a browser asking the old way (on a feed, the API) finds it too."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("notices.urls")),
    path("", include("comments.urls")),
    path("", include("pages.urls")),
]

# Error pages in the site's design, and JSON under /api/ (wethink.errors).
handler400 = "wethink.errors.bad_request"
handler403 = "wethink.errors.permission_denied"
handler404 = "wethink.errors.page_not_found"
handler500 = "wethink.errors.server_error"
