"""Every write to people's accounts: sign-up, profile settings, API tokens."""

import hashlib
import logging
import secrets

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.forms import USERNAME_TAKEN
from accounts.models import ApiToken, Profile
from accounts.tasks import send_existing_account_email
from accounts.usernames import username_taken

log = logging.getLogger(__name__)


def profile_get(user: AbstractBaseUser) -> Profile:
    """The person's profile; profiles are made on first use, so every user has one."""
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def user_signup(*, username: str, email: str, password: str) -> AbstractBaseUser:
    """A new reader account, checked by Django's username and password rules and
    refused when its username looks like a taken one (accounts.usernames).

    The email address need not be unique: refusing one that has an account would
    tell anyone which addresses have accounts. Instead the accounts that already
    use it are told by email, and can reset their password from there."""
    users = get_user_model()
    username = username.strip()
    email = users.objects.normalize_email(email.strip())
    if username_taken(username):
        raise ValidationError({"username": USERNAME_TAKEN})
    user = users(username=username, email=email)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    try:
        # Two sign-ups racing for look-alike names: the unique username key
        # (made by accounts.signals) lets only one through.
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError({"username": USERNAME_TAKEN}) from None
    others = list(users.objects.filter(email__iexact=email, is_active=True).exclude(pk=user.pk))
    if others:
        # Sent by a task (accounts/tasks.py), so the answer to the sign-up does
        # not wait for the mail server, and mail trouble is retried, not shown.
        transaction.on_commit(
            lambda: send_existing_account_email.enqueue(
                new_id=user.pk, existing_ids=[other.pk for other in others]
            ),
            robust=True,
        )
    return user


@transaction.atomic
def profile_update(
    *,
    user: AbstractBaseUser,
    credit_as: str,
    credit_name: str,
    notify_replies: bool,
    notify_decisions: bool,
) -> Profile:
    profile = profile_get(user)
    profile.credit_as = credit_as
    profile.credit_name = credit_name.strip()
    profile.notify_replies = notify_replies
    profile.notify_decisions = notify_decisions
    if profile.credit_as == Profile.Credit.OTHER and not profile.credit_name:
        raise ValidationError({"credit_name": _("Give the name to list you under.")})
    profile.full_clean()
    profile.save()
    return profile


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: AbstractBaseUser) -> str:
    """A new API key for the person, replacing any earlier one. Returns the key,
    which is not stored and cannot be shown again."""
    ApiToken.objects.filter(user=user).delete()
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_hash(key), prefix=key[:8])
    return key


@transaction.atomic
def token_revoke(*, user: AbstractBaseUser) -> bool:
    deleted, _ignored = ApiToken.objects.filter(user=user).delete()
    return bool(deleted)


def user_for_token(key: str) -> AbstractBaseUser | None:
    """The active user an API key belongs to, or None. Keys are compared by their
    SHA-256 hash, looked up through a unique index."""
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
