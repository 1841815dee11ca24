from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChaptersConfig(AppConfig):
    name = "chapters"
    verbose_name = _("Books and chapters")

    def ready(self) -> None:
        from chapters.reading import keep_after_revision
        from chapters.signals import chapters_revised
        from wethink import header
        from wethink.pagecache import receivers_connect

        chapters_revised.connect(keep_after_revision, dispatch_uid="chapters-reading-keep")
        receivers_connect()
        header.receivers_connect()
