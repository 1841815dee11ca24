from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from comments.models import Comment, CommentEdit, Flag
from comments.services import comment_moderate
from wethink.admin import ParsedInitialMixin


class FlagInline(admin.TabularInline):
    model = Flag
    fields = ("user", "reason", "created_at", "resolved_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


class CommentEditInline(admin.TabularInline):
    model = CommentEdit
    fields = ("body", "suggestion", "replaced_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


def _moderate(modeladmin, request, queryset, action: str, reason: str = "") -> None:
    done = 0
    for comment in queryset.select_related("book"):
        try:
            comment_moderate(user=request.user, comment=comment, action=action, reason=reason)
        except (PermissionDenied, ValidationError) as error:
            modeladmin.message_user(request, f"{comment.pk}: {error}", messages.ERROR)
        else:
            modeladmin.log_change(request, comment, [{"changed": {"fields": ["moderation"]}}])
            done += 1
    modeladmin.message_user(
        request,
        ngettext("%(n)s comment updated.", "%(n)s comments updated.", done) % {"n": done},
        messages.SUCCESS,
    )


@admin.action(description=_("Approve selected comments"))
def approve(modeladmin, request, queryset):
    _moderate(modeladmin, request, queryset, "approve")


@admin.action(description=_("Hide selected comments"))
def hide(modeladmin, request, queryset):
    _moderate(modeladmin, request, queryset, "hide", reason=str(_("Hidden by the site's staff.")))


@admin.action(description=_("Mark selected comments as spam"))
def spam(modeladmin, request, queryset):
    _moderate(modeladmin, request, queryset, "spam")


@admin.register(Comment)
class CommentAdmin(ParsedInitialMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "author",
        "book",
        "chapter",
        "pid",
        "moderation",
        "decision",
        "anchor_state",
        "created_at",
    )
    list_filter = ("moderation", "decision", "anchor_state", "book", "chapter")
    search_fields = ("body", "author__username", "quote_exact")
    list_select_related = ("author", "book", "chapter")
    actions = [approve, hide, spam]
    inlines = [FlagInline, CommentEditInline]
    readonly_fields = [
        f.name for f in Comment._meta.fields if f.name not in {"moderation", "moderation_reason"}
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # Moderation from the form goes through the same rule as everywhere else.
        action = {
            Comment.Moderation.VISIBLE: "approve",
            Comment.Moderation.HIDDEN: "hide",
            Comment.Moderation.SPAM: "spam",
        }.get(obj.moderation)
        if action is None:
            return
        try:
            comment_moderate(
                user=request.user, comment=obj, action=action, reason=obj.moderation_reason
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
