from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model

from accounts.forms import AdminUserChangeForm, AdminUserCreationForm
from accounts.models import ApiToken, Profile
from wethink.admin import ParsedInitialMixin

# Django's user admin, with forms that refuse a username looking like a taken one.
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserAdmin(ParsedInitialMixin, auth_admin.UserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm


@admin.register(Profile)
class ProfileAdmin(ParsedInitialMixin, admin.ModelAdmin):
    list_display = ("user", "credit_as", "credit_name", "notify_replies", "notify_decisions")
    search_fields = ("user__username", "credit_name")
    readonly_fields = ("username_key",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "prefix", "created_at", "last_used_at")
    readonly_fields = ("user", "prefix", "key_hash", "created_at", "last_used_at")

    def has_add_permission(self, request) -> bool:
        return False
