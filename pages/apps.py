from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    """The reading pages and the admin of books: what people see, composed from
    chapters, comments, notices and jobs, which never import it."""

    name = "pages"
    verbose_name = _("Reading pages")
