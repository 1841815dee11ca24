from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "wethink administration"
admin.site.site_title = "wethink admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("comments.urls")),
    path("", include("chapters.urls")),
]
