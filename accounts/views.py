from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ProfileForm, QueuedPasswordResetForm, SignupForm, errors_to_form
from accounts.models import ApiToken
from accounts.throttling import client_ip, over_limit
from wethink.params import next_param


def _safe_next(request: HttpRequest) -> str:
    return next_param(request)


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:my_profile")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_signup(
                username=data["username"], email=data["email"], password=data["password1"]
            )
        except ValidationError as error:
            errors_to_form(form, error, rename={"password": "password1"}, default="password1")
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome, %(name)s.") % {"name": user.get_username()})
            return redirect(_safe_next(request) or "/")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "next": _safe_next(request)}
    return render(request, "accounts/signup.html", context, status=status)


def _profile_context(request: HttpRequest, person, *, form: ProfileForm | None = None) -> dict:
    """What the profile page shows: to the person themselves, their settings form and
    API token. Their comments and watches are parts the comments and notices apps
    add to the page (`person_comments`, `person_watches`), so accounts needs neither."""
    is_owner = request.user.is_authenticated and request.user.pk == person.pk
    context = {"person": person, "is_owner": is_owner}
    if is_owner:
        context["form"] = form or ProfileForm(instance=services.profile_get(person))
        context["token"] = ApiToken.objects.filter(user=person).first()
    return context


def profile(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(get_user_model(), username=username, is_active=True)
    return render(request, "accounts/profile.html", _profile_context(request, person))


@login_required
def my_profile(request: HttpRequest) -> HttpResponse:
    return redirect("accounts:profile", username=request.user.get_username())


@login_required
@require_POST
def settings_update(request: HttpRequest) -> HttpResponse:
    """Only ever changes the signed-in person's own settings."""
    form = ProfileForm(request.POST, instance=services.profile_get(request.user))
    if form.is_valid():
        try:
            services.profile_update(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("Your settings are saved."))
            return redirect("accounts:my_profile")
    context = _profile_context(request, request.user, form=form)
    return render(request, "accounts/profile.html", context, status=400)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Show the new key on the page that answers the POST, once; it is never stored."""
    key = services.token_create(user=request.user)
    context = {**_profile_context(request, request.user), "new_key": key}
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest) -> HttpResponse:
    if services.token_revoke(user=request.user):
        messages.success(request, _("Your API token is revoked; scripts using it stop working."))
    else:
        messages.info(request, _("You had no API token."))
    return redirect("accounts:my_profile")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, answering the same whether or not the address has an
    account, with links made from SITE_URL rather than from the request's Host, and
    a limit on requests from one address and for one email (a 429 page past it)."""

    form_class = QueuedPasswordResetForm

    def post(self, request, *args, **kwargs):
        if self._over_limit("reset-ip", client_ip(request)):
            return self._too_many()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # Counted for any address typed, with or without an account, so the
        # limit tells nothing either.
        if self._over_limit("reset-email", form.cleaned_data["email"].strip().casefold()):
            return self._too_many()
        site = urlsplit(settings.WETHINK_SITE_URL)
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            token_generator=self.token_generator,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
        )
        return redirect(self.get_success_url())

    def _over_limit(self, scope: str, who: str) -> bool:
        return over_limit(
            scope=scope, who=who, limit=settings.WETHINK_PASSWORD_RESETS_PER_HOUR, seconds=3600
        )

    def _too_many(self) -> HttpResponse:
        return render(self.request, "accounts/reset_limited.html", status=429)
