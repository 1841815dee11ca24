from django import forms
from django.utils.translation import gettext_lazy as _

from comments.models import MAX_BODY


class CommentForm(forms.Form):
    """Lengths and control characters are checked by the services, with their messages."""

    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_BODY}),
        required=False,
        strip=False,
    )
    quote = forms.CharField(
        label=_("Quote"),
        required=False,
        strip=False,
        help_text=_("Optional: the words you are commenting on, copied from the paragraph."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    quote_prefix = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    suggestion = forms.CharField(
        label=_("Suggested wording"),
        required=False,
        strip=False,
        help_text=_("Optional: new wording for the quote, or for the whole paragraph."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_BODY}),
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_BODY}),
        required=False,
        strip=False,
    )


class EditForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_BODY}),
        required=False,
        strip=False,
    )
    suggestion = forms.CharField(
        label=_("Suggested wording"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_BODY}),
    )


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should a moderator look at this comment?"),
        max_length=500,
        required=False,
        widget=forms.TextInput,
    )


class ModerateForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "approve"), ("hide", "hide"), ("spam", "spam")])
    reason = forms.CharField(
        label=_("Reason (shown to the author)"), required=False, max_length=500
    )
