from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from chapters.opening import chapters_open_due


class Command(BaseCommand):
    help = _(
        "Announce chapters whose scheduled opening time has come (the chapter_opened "
        "signal, once per opening). Safe to run often and twice at once, e.g. from cron "
        "every minute."
    )

    def handle(self, *args, **options) -> None:
        opened = chapters_open_due()
        for chapter in opened:
            self.stdout.write(
                _("Opened “%(chapter)s” in “%(book)s”.")
                % {"chapter": chapter.title, "book": chapter.book.title}
            )
        if not opened:
            self.stdout.write(_("No chapter was due to open."))
