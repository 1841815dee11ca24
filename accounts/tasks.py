"""Account emails as tasks (wethink/tasks.py): each takes ids and builds its
message from the database when it runs, retried while the mail server is down."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from wethink.tasks import mail_deliver


def existing_account_message(*, new_id: int, existing_ids: list[int]) -> EmailMessage | None:
    """Tells the owner of an address that a new account uses it too, and how to
    reset the password of the accounts they had."""
    users = get_user_model()
    new = users.objects.filter(pk=new_id).first()
    existing = list(users.objects.filter(pk__in=existing_ids, is_active=True).order_by("pk"))
    if new is None or not new.email or not existing:
        return None
    site = settings.WETHINK_SITE_URL.rstrip("/")
    body = render_to_string(
        "accounts/email/existing_account.txt",
        {
            "new": new,
            "existing": existing,
            "reset_url": site + reverse("password_reset"),
            "site_url": site,
        },
    )
    return EmailMessage(
        subject=_("A new wethink account uses your email address"), body=body, to=[new.email]
    )


def password_reset_message(*, user_id: int) -> EmailMessage | None:
    """Django's password-reset email, with the link made from SITE_URL and the
    token made when the message is sent (it is never stored in the queue)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or not user.has_usable_password():
        return None
    site = urlsplit(settings.WETHINK_SITE_URL)
    context = {
        "email": user.email,
        "domain": site.netloc,
        "site_name": site.netloc,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if site.scheme == "https" else "http",
    }
    subject = "".join(
        render_to_string("registration/password_reset_subject.txt", context).splitlines()
    )
    body = render_to_string("registration/password_reset_email.html", context)
    return EmailMessage(subject=subject, body=body, to=[user.email])


@task
def send_existing_account_email(new_id: int, existing_ids: list[int], attempt: int = 1) -> bool:
    return mail_deliver(
        message=existing_account_message(new_id=new_id, existing_ids=existing_ids),
        task=send_existing_account_email,
        attempt=attempt,
        retry_kwargs={"new_id": new_id, "existing_ids": existing_ids},
    )


@task
def send_password_reset_email(user_id: int, attempt: int = 1) -> bool:
    return mail_deliver(
        message=password_reset_message(user_id=user_id),
        task=send_password_reset_email,
        attempt=attempt,
        retry_kwargs={"user_id": user_id},
    )
