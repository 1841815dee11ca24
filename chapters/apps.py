from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChaptersConfig(AppConfig):
    name = "chapters"
    verbose_name = _("Books and chapters")

    def ready(self) -> None:
        from chapters import caching, editors

        # Saves of chapters and books move the page cache's versions.
        caching.receivers_connect()
        # The books a person edits, in the page header (accounts.header).
        editors.receivers_connect()
