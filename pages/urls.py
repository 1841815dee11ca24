from django.urls import path

from pages import views, visit_views

# The names keep the namespace they have always had, `chapters:` (the pages are
# the books' and chapters'): templates and the other apps' links name them.
app_name = "chapters"

urlpatterns = [
    path("", views.book_list, name="book_list"),
    path("b/<slug:book>/", views.book_detail, name="book_detail"),
    path("b/<slug:book>/search/", views.book_search_view, name="book_search"),
    path("b/<slug:book>/<slug:chapter>/", views.chapter_detail, name="chapter_detail"),
    path(
        "b/<slug:book>/<slug:chapter>/r<int:number>/",
        views.chapter_revision,
        name="chapter_revision",
    ),
    path(
        "b/<slug:book>/<slug:chapter>/visit/",
        visit_views.chapter_visit,
        name="chapter_visit",
    ),
    path(
        "b/<slug:book>/<slug:chapter>/history/",
        views.chapter_history,
        name="chapter_history",
    ),
    path(
        "b/<slug:book>/<slug:chapter>/diff/<int:a>/<int:b>/",
        views.chapter_diff,
        name="chapter_diff",
    ),
    path(
        "b/<slug:book>/<slug:chapter>/restore/<int:number>/",
        views.chapter_restore_view,
        name="chapter_restore",
    ),
]
