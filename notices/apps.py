from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Watches and inboxes")

    def ready(self) -> None:
        from accounts.header import FACTS
        from notices.receivers import receivers_connect
        from notices.selectors import inbox_unread_count, watch_keys

        # The inbox hears of replies, decisions and moderation (comments.signals).
        receivers_connect()

        # {{ header.unread }} in the page header, and the watch buttons' state.
        FACTS["unread"] = inbox_unread_count
        FACTS["watching"] = watch_keys
