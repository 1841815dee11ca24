import secrets
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from comments.decisions import DECISION_ACTIONS
from comments.models import MAX_BODY, Comment, Flag
from wethink.params import int_list, int_value


def new_form_token() -> str:
    """A one-time token for a comment or reply form (see Comment.form_token)."""
    return secrets.token_urlsafe(18)


class OnceForm(forms.Form):
    """A form that carries a fresh one-time token unless it was bound to a sent one.

    Text areas have no maxlength: a browser would cut a long paste silently. The
    limit is in data-maxlength for the page's counter, and the services refuse
    longer text with a message."""

    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_token", new_form_token())


class CommentForm(OnceForm):
    """Lengths and control characters are checked by the services, with their messages."""

    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 4, "data-maxlength": MAX_BODY}),
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
        widget=forms.Textarea(attrs={"rows": 3, "data-maxlength": MAX_BODY}),
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class ReplyForm(OnceForm):
    body = forms.CharField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs={"rows": 3, "data-maxlength": MAX_BODY}),
        required=False,
        strip=False,
    )


class EditForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 5, "data-maxlength": MAX_BODY}),
        required=False,
        strip=False,
    )
    suggestion = forms.CharField(
        label=_("Suggested wording"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-maxlength": MAX_BODY}),
    )


class FlagForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is wrong with this comment?"),
        choices=Flag.Kind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    reason = forms.CharField(
        label=_("Anything the editors should know"),
        help_text=_("Needed for “Something else”; optional otherwise."),
        max_length=500,
        required=False,
        widget=forms.TextInput,
    )

    def clean(self):
        data = super().clean()
        # A reason alone (no choice made) is "something else", said in words.
        if not data.get("kind"):
            if not (data.get("reason") or "").strip():
                raise forms.ValidationError(_("Choose why you flag this comment."))
            data["kind"] = Flag.Kind.OTHER
        return data


class ModerateForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "approve"), ("hide", "hide"), ("spam", "spam")])
    reason = forms.CharField(
        label=_("Reason (shown to the author)"), required=False, max_length=500
    )


@dataclass(frozen=True)
class DecisionRequest:
    """What a decision form of the feedback queue asks: a decision for some comments."""

    decision: str
    ids: list[int]
    reason: str

    @classmethod
    def from_post(cls, post) -> "DecisionRequest":
        """One item's button (`one` = "<action>:<id>", with that item's `reason-<id>`
        or its own `reason`), or the list's buttons (`decision` with the ticked
        `ids`). Each item carries its near-duplicates (`group-<id>`), so one decision
        settles the group. Bad numbers raise BadParameter (a 400); no decision or
        nothing chosen raises ValidationError."""
        word, picked, reason = post.get("decision", ""), None, post.get("reason", "")
        one = post.get("one", "")
        if one:
            word, _sep, pk = one.partition(":")
            picked = [int_value(pk, name="one", minimum=1)]
            reason = post.get(f"reason-{pk}", "") or reason
        else:
            picked = int_list(post, "ids")
        chosen = {action: state for state, action in DECISION_ACTIONS.items()}.get(word)
        ids = sorted({i for pk in picked for i in (int_list(post, f"group-{pk}") or [pk])})
        if chosen is None or not ids:
            raise ValidationError(gettext("Choose some feedback and a decision."))
        return cls(decision=Comment.Decision(chosen), ids=ids, reason=reason)
