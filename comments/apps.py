from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")

    def ready(self) -> None:
        from chapters.signals import chapters_revised
        from comments import caching
        from comments.receivers import reanchor_after_revision

        chapters_revised.connect(reanchor_after_revision, dispatch_uid="comments-reanchor")
        # Saves of comments move the page cache's versions.
        caching.receivers_connect()
