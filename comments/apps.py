from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")

    def ready(self) -> None:
        from comments import caching

        # Saves of comments move the page cache's versions.
        caching.receivers_connect()
