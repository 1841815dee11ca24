from django.contrib import admin

from notices.models import Digest, InboxItem, Watch
from wethink.admin import ParsedInitialMixin


@admin.register(Watch)
class WatchAdmin(ParsedInitialMixin, admin.ModelAdmin):
    list_display = ("user", "book", "chapter", "created_at")
    list_select_related = ("user", "book", "chapter")
    raw_id_fields = ("user", "book", "chapter")


class MadeBySiteAdmin(admin.ModelAdmin):
    """Records the site writes as things happen (digests made, news for an inbox):
    staff read them and may delete them, but do not make them up or redate them."""

    def has_add_permission(self, request) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(Digest)
class DigestAdmin(MadeBySiteAdmin):
    list_display = ("user", "created_at", "sent_at")
    list_select_related = ("user",)


@admin.register(InboxItem)
class InboxItemAdmin(MadeBySiteAdmin):
    list_display = ("user", "kind", "comment", "created_at", "read_at")
    list_select_related = ("user",)
