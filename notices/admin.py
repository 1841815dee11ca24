from django.contrib import admin

from notices.models import Digest, InboxItem, Watch


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ("user", "book", "chapter", "created_at")
    list_select_related = ("user", "book", "chapter")
    raw_id_fields = ("user", "book", "chapter")


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "sent_at")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "comment", "created_at", "read_at")
    list_select_related = ("user",)
    raw_id_fields = ("user", "comment", "actor")
