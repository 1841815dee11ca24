from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Profile
from accounts.usernames import username_taken

USERNAME_TAKEN = _("That username is taken.")


class UsernameLookalikeMixin:
    """Refuses a username that differs from an existing one only in case or in
    look-alike letters (accounts.usernames), in the sign-up and the admin's forms."""

    def clean_username(self):
        username = self.cleaned_data["username"]
        instance = getattr(self, "instance", None)
        if username_taken(username, exclude_user_id=getattr(instance, "pk", None)):
            raise ValidationError(USERNAME_TAKEN, code="taken")
        return username


class SignupForm(UsernameLookalikeMixin, forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        help_text=_("Letters, digits and @/./+/-/_ only. Shown beside your comments."),
    )
    email = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("For password resets and replies to your comments; never shown."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords are not the same."))
        return data


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ("credit_as", "credit_name", "notify_replies", "notify_decisions")
        widgets = {"credit_as": forms.RadioSelect}


class AdminUserCreationForm(UsernameLookalikeMixin, auth_forms.AdminUserCreationForm):
    """The admin's add-user form, refusing a look-alike of a taken username."""


class AdminUserChangeForm(UsernameLookalikeMixin, auth_forms.UserChangeForm):
    """The admin's user form: a rename may not take a look-alike of another's username."""


class QueuedPasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, with the email sent by a task (accounts/tasks.py): the
    page answers at once whether or not the address has an account, and the
    link's token is made when the message goes out, never kept in the queue."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        from accounts.tasks import send_password_reset_email

        send_password_reset_email.enqueue(user_id=context["user"].pk)


def errors_to_form(form, error, *, rename=None, default=None) -> None:
    """Show a service's ValidationError on `form`: each field's messages on that
    field (named as `rename` maps the service's names to the form's), the rest, and
    a message for no field, on `default` (None: the form as a whole)."""
    rename = rename or {}
    if not hasattr(error, "error_dict"):
        form.add_error(default, error)
        return
    for field, problems in error.message_dict.items():
        target = rename.get(field, field)
        for problem in problems:
            form.add_error(target if target in form.fields else None, problem)
