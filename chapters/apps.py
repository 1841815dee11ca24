from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChaptersConfig(AppConfig):
    name = "chapters"
    verbose_name = _("Books and chapters")

    def ready(self) -> None:
        from chapters import editors
        from chapters.reading import keep_after_revision
        from chapters.signals import chapters_revised
        from wethink.pagecache import receivers_connect

        chapters_revised.connect(keep_after_revision, dispatch_uid="chapters-reading-keep")
        receivers_connect()
        # The books a person edits, in the page header (accounts.header).
        editors.receivers_connect()
