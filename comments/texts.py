"""Text readers write (comments, replies, suggestions, reasons): what is refused,
with a message naming the field."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from comments.models import MAX_BODY

# Characters below U+0020 other than tab, newline and carriage return, and DEL.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_clean(value: str, *, label: str, required: bool) -> str:
    """Refuse empty, overlong and control-character text, with a message naming the field."""
    value = (value or "").replace("\r\n", "\n")
    if CONTROL_CHARS.search(value):
        raise ValidationError(
            _("%(label)s contains control characters; remove them and try again.")
            % {"label": label}
        )
    value = value.strip()
    if required and not value:
        raise ValidationError(_("%(label)s is empty.") % {"label": label})
    if len(value) > MAX_BODY:
        raise ValidationError(
            _("%(label)s is %(n)s characters long; the limit is %(max)s.")
            % {"label": label, "n": len(value), "max": MAX_BODY}
        )
    return value
