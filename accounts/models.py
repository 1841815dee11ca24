"""A reader's profile (how they are credited, which emails they get) and API tokens."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    class Credit(models.TextChoices):
        NAME = "name", _("Your username")
        OTHER = "other", _("Another name")
        HIDDEN = "hidden", _("Don't list me")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    credit_as = models.CharField(
        _("list me in acknowledgements as"),
        max_length=10,
        choices=Credit.choices,
        default=Credit.NAME,
    )
    credit_name = models.CharField(_("name to list"), max_length=100, blank=True)
    notify_replies = models.BooleanField(
        _("Email me when someone replies to my comment"), default=True
    )
    notify_decisions = models.BooleanField(
        _("Email me when my comment is accepted or folded into the text"), default=True
    )
    # The username's skeleton (accounts.usernames): unique, so two accounts cannot
    # have names that differ only in case or in look-alike letters. Kept in step
    # with the username by accounts.signals; empty only for an account that
    # already clashed with an older one when the column was added.
    username_key = models.CharField(  # noqa: DJ001 - NULLs, unlike "", may repeat
        max_length=255, unique=True, null=True, editable=False
    )

    def __str__(self) -> str:
        return f"profile of {self.user}"

    @property
    def credit_label(self) -> str | None:
        """The name acknowledgements show, or None for someone who asked not to be listed."""
        if self.credit_as == self.Credit.HIDDEN:
            return None
        if self.credit_as == self.Credit.OTHER and self.credit_name.strip():
            return self.credit_name.strip()
        return self.user.get_username()


class ApiToken(models.Model):
    """A key for the annotations API. Only its hash is stored; the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class Attempt(models.Model):
    """One rate-limited request (a password reset) by one address or for one email,
    kept for the length of its window. Counted in the database so the limit holds
    across workers and without a shared cache."""

    scope = models.CharField(max_length=20)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["scope", "key_hash", "created_at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.key_hash[:8]}… at {self.created_at}"
