from django.db.models.signals import post_delete
from django.dispatch import receiver

from jobs.models import BookJob


@receiver(post_delete, sender=BookJob)
def job_files_delete(sender, instance: BookJob, **kwargs) -> None:
    """A deleted job takes its export or upload with it: the files may hold a
    whole book's private data (a backup has every commenter's email)."""
    for field in (instance.result, instance.upload):
        if field:
            field.delete(save=False)
