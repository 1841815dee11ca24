from django.urls import path

from notices import views

app_name = "notices"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read_all, name="inbox_read_all"),
    path("watch/<slug:book>/", views.book_watch, name="book_watch"),
    path("watch/<slug:book>/<slug:chapter>/", views.chapter_watch, name="chapter_watch"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
