"""The one function that sanitises every piece of HTML shown to people.

`sanitize_html` runs on the output of the Markdown pipeline (`wethink.rendering`)
before it is stored, and on anything else that ends up in a page unescaped. Two
backends implement it, nh3 (the default: maintained, fast) and bleach (kept
selectable through `settings.WETHINK_SANITIZER`); both read the allow-list below
and pass the same tests (`tests/test_xss.py`).

Contract, for either backend and either profile:

- only the tags and attributes of the profile's allow-list survive; other tags
  are removed (their text is kept, except inside `<script>`/`<style>` with nh3),
  comments are removed;
- `href` and `src` hold only http, https or mailto URLs, or relative ones;
- `class` keeps only the class names the profile allows for that tag;
- every `<a>` gets `rel="nofollow noopener"`;
- the function is idempotent: sanitising its output again changes nothing.
"""

import re
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, partial
from html import unescape as unescape_html
from typing import Any, Literal

import nh3
from bleach.html5lib_shim import Filter
from bleach.sanitizer import Cleaner as BleachCleaner
from django.conf import settings

type Backend = Literal["nh3", "bleach"]
type Profile = Literal["chapter", "comment"]

BACKENDS: frozenset[str] = frozenset({"nh3", "bleach"})

URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
"""Schemes allowed in `href` and `src`; relative URLs (no scheme) are allowed too."""

URL_ATTRIBUTES: frozenset[str] = frozenset({"href", "src"})

LINK_REL = "nofollow noopener"
"""Set on every link: readers' and authors' links earn no search ranking, and the
target page gets no handle on this one."""

_LANGUAGE_CLASS = re.compile(r"language-[\w#+.-]{1,40}")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_MAX_DECODINGS = 4  # a URL encoded more deeply than this is refused
_DIGITS = re.compile(r"\d{1,9}")
_ALIGN_VALUES = frozenset({"left", "center", "right"})


@dataclass(frozen=True)
class AllowList:
    """What one profile lets through.

    `classes` maps a tag to the pattern each of its class names must match in
    full; a tag missing from it keeps no class (even when `class` is allowed).
    """

    tags: frozenset[str]
    attributes: Mapping[str, frozenset[str]]
    classes: Mapping[str, re.Pattern[str]]


def _exact(*names: str) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(name) for name in names))


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

CHAPTER = AllowList(
    # What Python-Markdown produces with the extensions `wethink.rendering` loads,
    # plus a few harmless inline tags.
    tags=frozenset(
        {
            *_HEADINGS,
            "p",
            "br",
            "hr",
            "blockquote",
            "pre",
            "code",
            "em",
            "strong",
            "del",
            "ins",
            "sup",
            "span",
            "abbr",
            "a",
            "img",
            "ul",
            "ol",
            "li",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "div",
        }
    ),
    attributes={
        # Slug ids from the `toc` extension on headings; footnote anchors on sup and li.
        **{heading: frozenset({"id"}) for heading in _HEADINGS},
        "a": frozenset({"href", "title", "class"}),
        "img": frozenset({"src", "alt", "title"}),
        "abbr": frozenset({"title"}),
        "ol": frozenset({"start"}),
        "li": frozenset({"id"}),
        "sup": frozenset({"id"}),
        "div": frozenset({"id", "class"}),
        "code": frozenset({"class"}),
        "th": frozenset({"align"}),
        "td": frozenset({"align"}),
    },
    classes={
        "code": _LANGUAGE_CLASS,
        "a": _exact("footnote-ref", "footnote-backref"),
        "div": _exact("footnote"),
    },
)

COMMENT = AllowList(
    tags=frozenset({"p", "br", "em", "strong", "code", "pre", "a", "ul", "ol", "li", "blockquote"}),
    attributes={
        "a": frozenset({"href", "title"}),
        "ol": frozenset({"start"}),
        "code": frozenset({"class"}),
    },
    classes={"code": _LANGUAGE_CLASS},
)

PROFILES: Mapping[str, AllowList] = {"chapter": CHAPTER, "comment": COMMENT}

# No markup at all: the fallback when cleaning finds no fixpoint (see sanitize_html).
_TEXT_ONLY = "text-only"
_ALLOW_LISTS: Mapping[str, AllowList] = {
    **PROFILES,
    _TEXT_ONLY: AllowList(tags=frozenset(), attributes={}, classes={}),
}

MAX_PASSES = 4
"""Cleaning passes before sanitize_html gives up on a fixpoint. Markdown output
needs two (the second confirms the first); hostile input rarely three."""


def url_is_allowed(value: str) -> bool:
    """Whether a `href`/`src` value is relative or uses one of URL_SCHEMES.

    The check is stricter than a browser, so that both backends agree: character
    references are decoded until none is left (bleach hands values over still
    encoded, nh3 decoded once), and every whitespace, control or invisible
    formatting character is removed wherever it is, so `jav&#x09;ascript:` and
    `\\x01javascript:` count as `javascript:`. Unlike bleach's own check it does
    not mistake `javascript:123` for a host and port.
    """
    decoded = value
    for _ in range(_MAX_DECODINGS):
        once_more = unescape_html(decoded)
        if once_more == decoded:
            break
        decoded = once_more
    else:
        return False
    compact = "".join(
        char
        for char in decoded
        if not char.isspace() and not unicodedata.category(char).startswith("C")
    )
    match = _SCHEME.match(compact.lower())
    return match is None or match.group(1) in URL_SCHEMES


def _filter_attribute(allow: AllowList, tag: str, name: str, value: str) -> str | None:
    """The value to keep for one attribute, or None to drop it.

    Both backends call this for each attribute their own allow-list check let
    through, so the URL, class and value rules below hold whichever one runs.
    """
    if tag == "a" and name == "rel":
        # nh3 adds `rel` (link_rel) before it calls this filter.
        return LINK_REL
    if name not in allow.attributes.get(tag, ()):
        return None
    if name in URL_ATTRIBUTES:
        return value if url_is_allowed(value) else None
    if name == "class":
        pattern = allow.classes.get(tag)
        if pattern is None:
            return None
        kept = [token for token in value.split() if pattern.fullmatch(token)]
        return " ".join(kept) or None
    if name == "start":
        return value if _DIGITS.fullmatch(value.strip()) else None
    if name == "align":
        return value if value.strip().lower() in _ALIGN_VALUES else None
    return value


@cache
def _nh3_cleaner(profile: str) -> nh3.Cleaner:
    allow = _ALLOW_LISTS[profile]
    return nh3.Cleaner(
        tags=set(allow.tags),
        attributes={tag: set(names) for tag, names in allow.attributes.items()},
        attribute_filter=partial(_filter_attribute, allow),
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


class _BleachAttributeFilter(Filter):
    """Applies `_filter_attribute` after bleach's sanitiser, and adds `rel` to links.

    bleach's `attributes` callable can only keep or drop an attribute, not rewrite
    it (class names), and bleach has no `link_rel`; filters run on the already
    sanitised token stream, so nothing they leave can be unsafe by bleach's rules.
    """

    def __init__(self, source: Any, allow: AllowList) -> None:
        super().__init__(source)
        self.allow = allow

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token["type"] in {"StartTag", "EmptyTag"}:
                tag = token["name"]
                attributes = {}
                for (namespace, name), value in token["data"].items():
                    kept = None if namespace else _filter_attribute(self.allow, tag, name, value)
                    if kept is not None:
                        attributes[(None, name)] = kept
                if tag == "a":
                    attributes[(None, "rel")] = LINK_REL
                token["data"] = attributes
            yield token


# bleach's Cleaner holds an html5lib parser with per-document state: one per thread.
_bleach_local = threading.local()


def _bleach_cleaner(profile: str) -> BleachCleaner:
    cleaners: dict[str, BleachCleaner] | None = getattr(_bleach_local, "cleaners", None)
    if cleaners is None:
        cleaners = _bleach_local.cleaners = {}
    cleaner = cleaners.get(profile)
    if cleaner is None:
        allow = _ALLOW_LISTS[profile]
        cleaner = cleaners[profile] = BleachCleaner(
            tags=allow.tags,
            attributes={tag: sorted(names) for tag, names in allow.attributes.items()},
            protocols=URL_SCHEMES,
            # Remove disallowed tags as nh3 does, rather than show them escaped.
            strip=True,
            strip_comments=True,
            filters=[partial(_BleachAttributeFilter, allow=allow)],
        )
    return cleaner


def _clean_once(html: str, backend: str, profile: str) -> str:
    if backend == "nh3":
        return _nh3_cleaner(profile).clean(html)
    return _bleach_cleaner(profile).clean(html)


def sanitize_html(
    html: str, *, backend: Backend | None = None, profile: Profile = "chapter"
) -> str:
    """Return `html` with everything outside the profile's allow-list removed.

    `backend` is "nh3" or "bleach"; None reads `settings.WETHINK_SANITIZER` (at
    call time, so the function also works without configured settings when a
    backend is given). `profile` is "chapter" (what chapter Markdown produces:
    headings, tables, images, footnotes) or "comment" (emphasis, links, code,
    lists, quotes). Raises ValueError for an unknown backend or profile. See the
    module docstring for what the output guarantees.

    The output is cleaned again until a pass changes nothing. One pass is not
    always idempotent: both parsers can build trees whose serialisation parses
    back differently (html5lib nests a heading in a heading through stripped
    `<math>`; a character reference to CR comes out as a raw CR, which the next
    parse reads as LF; nh3 reorders attributes when its filter drops one). The
    re-parse is what a browser will do with the output, so the check covers it
    too. Should no fixpoint come within MAX_PASSES, only the text is kept.
    """
    if profile not in PROFILES:
        raise ValueError(f"Unknown sanitising profile {profile!r}.")
    if backend is None:
        backend = settings.WETHINK_SANITIZER
    if backend not in BACKENDS:
        raise ValueError(f"Unknown sanitiser backend {backend!r}: use one of {sorted(BACKENDS)}.")
    cleaned = html
    for _ in range(MAX_PASSES):
        again = _clean_once(cleaned, backend, profile)
        if again == cleaned:
            return cleaned
        cleaned = again
    return _clean_once(_clean_once(cleaned, backend, _TEXT_ONLY), backend, _TEXT_ONLY)
