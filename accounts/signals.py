"""Every account has a profile, and its `username_key` follows the username."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Profile
from accounts.usernames import username_key


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_username_key")
def username_key_follow(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields is not None and "username" not in update_fields):
        return
    # A clash raises IntegrityError here and undoes the user's save with it; the
    # sign-up and admin forms check first, so people see "That username is taken."
    Profile.objects.update_or_create(
        user=instance, defaults={"username_key": username_key(instance.get_username())}
    )
