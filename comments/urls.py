from django.urls import path

from comments import api, feedback_views, feeds, recent_views, views

app_name = "comments"

urlpatterns = [
    path("api/annotations/", api.protocol_page, name="api_protocol"),
    path("api/b/<slug:book>/annotations/", api.book_annotations, name="api_book_annotations"),
    path("api/b/<slug:book>/annotations/<int:pk>/", api.annotation, name="api_annotation"),
    path(
        "api/b/<slug:book>/annotations/search/",
        api.annotation_search,
        name="api_annotation_search",
    ),
    path(
        "api/b/<slug:book>/annotations/collection/",
        api.book_collection,
        name="api_book_collection",
    ),
    path(
        "api/b/<slug:book>/<slug:chapter>/annotations/",
        api.chapter_annotations,
        name="api_chapter_annotations",
    ),
    path("api/b/<slug:book>/<slug:chapter>/blocks/", api.chapter_blocks, name="api_blocks"),
    path("b/<slug:book>/feed/", feeds.BookCommentsFeed(), name="book_feed"),
    path("b/<slug:book>/changes/", recent_views.recent_changes_page, name="recent_changes"),
    path(
        "b/<slug:book>/changes/feed/",
        recent_views.RecentChangesFeed(),
        name="recent_changes_feed",
    ),
    path("b/<slug:book>/moderation/", views.moderation, name="moderation"),
    path("b/<slug:book>/discussion/", views.discussion, name="discussion"),
    path(
        "b/<slug:book>/acknowledgements/",
        feedback_views.acknowledgements,
        name="acknowledgements",
    ),
    path("b/<slug:book>/<slug:chapter>/fold/", feedback_views.fold, name="fold"),
    path("b/<slug:book>/<slug:chapter>/contested/", feedback_views.contested, name="contested"),
    path("b/<slug:book>/<slug:chapter>/removed/", views.removed_comments, name="removed_comments"),
    path("b/<slug:book>/<slug:chapter>/passages/", views.passages, name="passages"),
    path(
        "b/<slug:book>/<slug:chapter>/fold/preview/",
        feedback_views.fold_preview,
        name="fold_preview",
    ),
    path("feedback/", feedback_views.queue, name="feedback"),
    path("feedback/decide/", feedback_views.decide, name="decide"),
    path("feedback/attach/<int:pk>/", feedback_views.attach, name="attach"),
    path("b/<slug:book>/<slug:chapter>/feed/", feeds.ChapterCommentsFeed(), name="chapter_feed"),
    path("b/<slug:book>/<slug:chapter>/p/<slug:pid>/", views.thread, name="thread"),
    path("c/<int:pk>/reply/", views.reply, name="reply"),
    path("c/<int:pk>/edit/", views.edit, name="edit"),
    path("c/<int:pk>/delete/", views.delete, name="delete"),
    path("c/<int:pk>/vote/", views.vote, name="vote"),
    path("c/<int:pk>/flag/", views.flag, name="flag"),
    path("c/<int:pk>/moderate/", views.moderate, name="moderate"),
]
