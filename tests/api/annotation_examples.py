"""Hand-written W3C Web Annotations, as a client of the API would send them.

Each example is a function of where it points (`Place`): the chapter's absolute
URL, a paragraph's pid, the URL of a comment to reply to. `VALID` examples meet
every MUST of the model and the API takes them; `expect` says what comment they
make. `INVALID` examples each break one MUST (`breaks`, as
`tests.api.annotation_model` words it) and the API refuses them (`refused`, a
part of its error message).
"""

from collections.abc import Callable
from dataclasses import dataclass

ANNO = "http://www.w3.org/ns/anno.jsonld"
RFC3987 = "http://tools.ietf.org/rfc/rfc3987"


@dataclass(frozen=True)
class Place:
    source: str
    pid: str
    comment_url: str
    quote: str
    quote_prefix: str


@dataclass(frozen=True)
class Valid:
    make: Callable[[Place], dict]
    # The comment it makes: body, suggestion, and whether it is a reply, a passage
    # comment (quote) or a paragraph comment.
    body: str
    suggestion: str = ""
    reply: bool = False
    quoted: bool = False


@dataclass(frozen=True)
class Invalid:
    make: Callable[[Place], object]
    breaks: str
    refused: str


def fragment(place: Place, **more) -> dict:
    return {"type": "FragmentSelector", "value": f"p-{place.pid}", **more}


def on_paragraph(place: Place, *selectors: dict) -> dict:
    return {
        "type": "SpecificResource",
        "source": place.source,
        "selector": list(selectors) if len(selectors) > 1 else selectors[0],
    }


VALID: dict[str, Valid] = {
    "text-body": Valid(
        lambda place: {
            "@context": ANNO,
            "type": "Annotation",
            "body": {"type": "TextualBody", "value": "This paragraph drags."},
            "target": on_paragraph(place, fragment(place, conformsTo=RFC3987)),
        },
        body="This paragraph drags.",
    ),
    "text-bodies-with-purpose-format-language": Valid(
        lambda place: {
            "@context": ANNO,
            "type": "Annotation",
            "motivation": "commenting",
            "body": [
                {
                    "type": "TextualBody",
                    "value": "*Too* long.",
                    "format": "text/markdown",
                    "language": "en",
                    "purpose": "commenting",
                },
                {"type": "TextualBody", "value": "Split it in two?", "purpose": "questioning"},
            ],
            "target": on_paragraph(place, fragment(place)),
        },
        body="*Too* long.\n\nSplit it in two?",
    ),
    "body-value": Valid(
        lambda place: {
            "@context": ANNO,
            "type": "Annotation",
            "bodyValue": "A plain string body.",
            "target": on_paragraph(place, fragment(place)),
        },
        body="A plain string body.",
    ),
    "suggestion-on-a-passage": Valid(
        lambda place: {
            "@context": ANNO,
            "type": "Annotation",
            "motivation": "editing",
            "body": [
                {"type": "TextualBody", "value": "A cliché.", "purpose": "commenting"},
                {"type": "TextualBody", "value": "opens the story", "purpose": "editing"},
            ],
            "target": on_paragraph(
                place,
                fragment(place, conformsTo=RFC3987),
                {
                    "type": "TextQuoteSelector",
                    "exact": place.quote,
                    "prefix": place.quote_prefix,
                    "suffix": ".",
                },
            ),
        },
        body="A cliché.",
        suggestion="opens the story",
        quoted=True,
    ),
    "quote-only": Valid(
        lambda place: {
            "@context": ANNO,
            "type": ["Annotation"],
            "body": {"type": "TextualBody", "value": "Which scene?"},
            "target": {
                "source": place.source,
                "selector": {"type": "TextQuoteSelector", "exact": place.quote},
            },
        },
        body="Which scene?",
        quoted=True,
    ),
    "target-iri-with-fragment": Valid(
        lambda place: {
            "@context": ANNO,
            "type": "Annotation",
            "body": {"type": "TextualBody", "value": "Aimed by URL."},
            "target": f"{place.source}#p-{place.pid}",
        },
        body="Aimed by URL.",
    ),
    "reply": Valid(
        lambda place: {
            "@context": ANNO,
            "type": "Annotation",
            "motivation": "replying",
            "body": {"type": "TextualBody", "value": "Agreed.", "purpose": "replying"},
            "target": place.comment_url,
        },
        body="Agreed.",
        reply=True,
    ),
    "context-array-creator-and-dates": Valid(
        lambda place: {
            "@context": [ANNO, {"ex": "http://example.org/ns#"}],
            "type": "Annotation",
            "created": "2024-03-01T10:00:00Z",
            "modified": "2024-03-01T10:05:30.5+01:00",
            "creator": {"type": "Person", "nickname": "someone", "name": "Some One"},
            "generator": {"id": "http://example.org/client", "type": "Software"},
            "body": {"type": "TextualBody", "value": "With lifecycle details."},
            "target": on_paragraph(place, fragment(place)),
        },
        body="With lifecycle details.",
    ),
}


def _base(place: Place, **changes) -> dict:
    data = {
        "@context": ANNO,
        "type": "Annotation",
        "body": {"type": "TextualBody", "value": "Fine words."},
        "target": on_paragraph(place, fragment(place)),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


INVALID: dict[str, Invalid] = {
    "no-target": Invalid(
        lambda place: _base(place, target=None),
        breaks="has no target",
        refused="Give exactly one target",
    ),
    "target-a-number": Invalid(
        lambda place: _base(place, target=7),
        breaks="neither an IRI nor an object",
        refused="The target must be a URL or an object",
    ),
    "specific-resource-without-source": Invalid(
        lambda place: _base(place, target={"selector": fragment(place)}),
        breaks="SpecificResource without a source",
        refused="The target's source must be",
    ),
    "textual-body-without-value": Invalid(
        lambda place: _base(place, body={"type": "TextualBody", "format": "text/plain"}),
        breaks="TextualBody without a value",
        refused="Only text bodies are supported",
    ),
    "textual-body-value-not-a-string": Invalid(
        lambda place: _base(place, body={"type": "TextualBody", "value": ["a", "b"]}),
        breaks="value is not one string",
        refused="A body's value must be a string.",
    ),
    "body-value-not-a-string": Invalid(
        lambda place: _base(place, body=None, bodyValue=42),
        breaks="bodyValue is not one string",
        refused="bodyValue must be a string.",
    ),
    "fragment-selector-without-value": Invalid(
        lambda place: _base(
            place,
            target={"source": place.source, "selector": {"type": "FragmentSelector"}},
        ),
        breaks="has not exactly 1 value",
        refused="A FragmentSelector's value must be p-<pid>.",
    ),
    "fragment-selector-two-values": Invalid(
        lambda place: _base(
            place,
            target={
                "source": place.source,
                "selector": {"type": "FragmentSelector", "value": [f"p-{place.pid}", "p-x"]},
            },
        ),
        breaks="has not exactly 1 value",
        refused="A FragmentSelector's value must be p-<pid>.",
    ),
    "text-quote-selector-without-exact": Invalid(
        lambda place: _base(
            place,
            target={
                "source": place.source,
                "selector": {"type": "TextQuoteSelector", "prefix": "The "},
            },
        ),
        breaks="has not exactly 1 exact",
        refused="A TextQuoteSelector needs a text 'exact'.",
    ),
    "selector-not-an-object": Invalid(
        lambda place: _base(place, target={"source": place.source, "selector": [3]}),
        breaks="neither an IRI nor an object",
        refused="Each selector must be an object.",
    ),
    "not-an-object": Invalid(
        lambda place: [_base(place)],
        breaks="not a JSON object",
        refused="Send one annotation as a JSON object.",
    ),
}
