"""The W3C Web Annotation Data Model's MUSTs, written out as plain checks.

https://www.w3.org/TR/annotation-model/ — section numbers below are the spec's.
Each function returns the problems it finds (empty when there are none), so a
test can assert both that the API's output has none and that a broken example
is caught for the right reason. They need nothing outside the repository; when
../shared is there, `test_annotation_schemas.py` also runs the W3C test suite's
schemas and holds these checks to the spec's own correct and incorrect examples.
"""

from datetime import datetime
from urllib.parse import urlsplit

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"

# 3.3.5: the motivations (and body purposes) the model defines.
MOTIVATIONS = frozenset(
    {
        "assessing",
        "bookmarking",
        "classifying",
        "commenting",
        "describing",
        "editing",
        "highlighting",
        "identifying",
        "linking",
        "moderating",
        "questioning",
        "replying",
        "tagging",
    }
)
# 4: properties that make an object a Specific Resource.
SPECIFIC_RESOURCE_KEYS = frozenset({"source", "selector", "state", "styleClass", "renderedVia"})
DATETIME_KEYS = ("created", "modified", "generated")
IRI_KEYS = ("rights", "via", "canonical")


def is_iri(value) -> bool:
    """An absolute IRI: a scheme, then something, and no whitespace."""
    if not isinstance(value, str) or not value or any(char.isspace() for char in value):
        return False
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path or parts.fragment)


def is_datetime(value) -> bool:
    """An xsd:dateTime: a date and a time, optionally fractional seconds and a zone."""
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _values(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _single(data: dict, key: str) -> tuple[bool, object]:
    """Whether `data[key]` is one value (a scalar or a one-item list), and that value."""
    value = data[key]
    if isinstance(value, list):
        return len(value) == 1, value[0] if len(value) == 1 else None
    return True, value


def context_problems(data: dict, *, what: str) -> list[str]:
    # 3.1, 5.1, 5.2: 1 or more @context values, the anno context among them; a single
    # value is given as a string.
    if "@context" not in data:
        return [f"{what} has no @context"]
    context = data["@context"]
    if isinstance(context, list):
        if not context:
            return [f"{what}'s @context is empty"]
        if len(context) == 1:
            return [f"{what}'s single @context value is not given as a string"]
        return [] if ANNO_CONTEXT in context else [f"{what}'s @context lacks {ANNO_CONTEXT}"]
    return [] if context == ANNO_CONTEXT else [f"{what}'s @context is not {ANNO_CONTEXT}"]


def id_problems(data: dict, *, what: str, required: bool = True) -> list[str]:
    # 3.1, 5.1, 5.2: exactly 1 IRI identifies the resource. A client posting a new
    # annotation leaves it out: the server assigns it (Web Annotation Protocol 5.1).
    if "id" not in data:
        return [f"{what} has no id"] if required else []
    one, value = _single(data, "id")
    if not one:
        return [f"{what} has more than one id"]
    return [] if is_iri(value) else [f"{what}'s id {value!r} is not an IRI"]


def type_problems(data: dict, *, what: str, expected: str) -> list[str]:
    # 3.1, 5.1, 5.2: 1 or more types, the class among them.
    types = _values(data.get("type"))
    if not types:
        return [f"{what} has no type"]
    return [] if expected in types else [f"{what}'s type is not {expected}"]


def agent_problems(agent, *, what: str) -> list[str]:
    # 3.3.1: a creator is an IRI or an Agent object; an Agent's id is an IRI, its
    # nickname at most one string, its name strings.
    if isinstance(agent, str):
        return [] if is_iri(agent) else [f"{what} {agent!r} is not an IRI"]
    if not isinstance(agent, dict):
        return [f"{what} is neither an IRI nor an Agent"]
    problems = []
    if "id" in agent:
        problems += id_problems(agent, what=what)
    if "nickname" in agent and not isinstance(agent["nickname"], str):
        problems.append(f"{what}'s nickname is not one string")
    if not all(isinstance(name, str) for name in _values(agent.get("name"))):
        problems.append(f"{what}'s name is not a string")
    return problems


def lifecycle_problems(data: dict, *, what: str) -> list[str]:
    """3.3.1 and 3.3.6: dates, agents and rights, wherever they appear."""
    problems = []
    for key in DATETIME_KEYS:
        if key in data:
            one, value = _single(data, key)
            if not one:
                problems.append(f"{what} has more than one {key}")
            elif not is_datetime(value):
                problems.append(f"{what}'s {key} {value!r} is not an xsd:dateTime")
    for key in ("creator", "generator"):
        if key in data:
            values = _values(data[key])
            if not values:
                problems.append(f"{what}'s {key} is empty")
            for agent in values:
                problems += agent_problems(agent, what=f"{what}'s {key}")
    for key in IRI_KEYS:
        if key in data:
            bad = [value for value in _values(data[key]) if not is_iri(value)]
            if bad or (key == "canonical" and len(_values(data[key])) != 1):
                problems.append(f"{what}'s {key} is not one IRI")
    return problems


def selector_problems(selector, *, what: str) -> list[str]:
    """4.2.1 FragmentSelector and 4.2.4 TextQuoteSelector; other kinds need a type.
    A selector may also be given by its IRI (4.2)."""
    if isinstance(selector, str):
        return [] if is_iri(selector) else [f"{what} {selector!r} is not an IRI"]
    if not isinstance(selector, dict):
        return [f"{what} is neither an IRI nor an object"]
    kind = selector.get("type")
    if not isinstance(kind, str):
        return [f"{what} has not exactly 1 type"]
    problems = []
    if kind == "FragmentSelector":
        if "value" not in selector or not _single(selector, "value")[0]:
            problems.append(f"{what} has not exactly 1 value")
        elif not isinstance(_single(selector, "value")[1], str):
            problems.append(f"{what}'s value is not a string")
        if "conformsTo" in selector:
            one, spec = _single(selector, "conformsTo")
            if not one or not is_iri(spec):
                problems.append(f"{what}'s conformsTo is not exactly 1 IRI")
    elif kind == "TextQuoteSelector":
        if not isinstance(selector.get("exact"), str):
            problems.append(f"{what} has not exactly 1 exact")
        for key in ("prefix", "suffix"):
            if key in selector and not isinstance(selector[key], str):
                problems.append(f"{what} has more than 1 {key}")
    for refinement in _values(selector.get("refinedBy")):
        problems += selector_problems(refinement, what=f"{what}'s refinement")
    return problems


def resource_problems(resource, *, what: str) -> list[str]:
    """A body or target: an IRI, or an object (3.2) that, if it is a Textual Body
    (3.2.4), has exactly 1 value, or if a Specific Resource (4), exactly 1 source."""
    if isinstance(resource, str):
        return [] if is_iri(resource) else [f"{what} {resource!r} is not an IRI"]
    if not isinstance(resource, dict):
        return [f"{what} is neither an IRI nor an object"]
    problems = []
    types = _values(resource.get("type"))
    if "id" in resource:
        problems += id_problems(resource, what=what)
    if "TextualBody" in types or ("value" in resource and not types):
        if "value" not in resource:
            problems.append(f"{what} is a TextualBody without a value")
        elif not isinstance(resource["value"], str):
            problems.append(f"{what}'s value is not one string")
    if set(types) & {"Choice", "List", "Composite", "Independents"} or "items" in resource:
        for index, item in enumerate(_values(resource.get("items"))):
            problems += resource_problems(item, what=f"{what}'s item {index}")
    if "SpecificResource" in types or SPECIFIC_RESOURCE_KEYS & resource.keys():
        if "source" not in resource:
            problems.append(f"{what} is a SpecificResource without a source")
        else:
            one, source = _single(resource, "source")
            source_id = source.get("id") if isinstance(source, dict) else source
            if not one or not is_iri(source_id):
                problems.append(f"{what}'s source is not exactly 1 IRI")
        for index, selector in enumerate(_values(resource.get("selector"))):
            problems += selector_problems(selector, what=f"{what}'s selector {index}")
    for key in ("format", "language"):
        if not all(isinstance(value, str) for value in _values(resource.get(key))):
            problems.append(f"{what}'s {key} is not a string")
    for purpose in _values(resource.get("purpose")):
        if purpose not in MOTIVATIONS:
            problems.append(f"{what}'s purpose {purpose!r} is not one the model defines")
    if "textDirection" in resource and resource["textDirection"] not in {"ltr", "rtl", "auto"}:
        problems.append(f"{what}'s textDirection is not ltr, rtl or auto")
    return problems + lifecycle_problems(resource, what=what)


def annotation_problems(data, *, id_required: bool = True, embedded: bool = False) -> list[str]:
    """What in `data` breaks a MUST of an Annotation (3.1 to 3.3), its bodies and targets.

    `embedded`: an item of a page, whose @context the page gives (5.2).
    """
    if not isinstance(data, dict):
        return ["the annotation is not a JSON object"]
    what = "the annotation"
    problems = [] if embedded else context_problems(data, what=what)
    problems += id_problems(data, what=what, required=id_required)
    problems += type_problems(data, what=what, expected="Annotation")
    targets = _values(data.get("target"))
    if not targets:
        problems.append("the annotation has no target")
    for index, target in enumerate(targets):
        problems += resource_problems(target, what=f"target {index}")
    for index, body in enumerate(_values(data.get("body"))):
        problems += resource_problems(body, what=f"body {index}")
    if "bodyValue" in data:
        # 3.2.5: at most 1 bodyValue, a string, and then no body.
        if not isinstance(data["bodyValue"], str):
            problems.append("the annotation's bodyValue is not one string")
        if "body" in data:
            problems.append("the annotation has both body and bodyValue")
    motivations = _values(data.get("motivation"))
    if any(motivation not in MOTIVATIONS for motivation in motivations):
        problems.append(f"the annotation's motivation {motivations!r} is not one the model defines")
    return problems + lifecycle_problems(data, what=what)


def page_problems(data, *, embedded: bool = False) -> list[str]:
    """What breaks a MUST of an AnnotationPage (5.2), and of each of its items.

    An empty items list passes, as in the W3C test suite: a collection with no
    annotations yet still has a page to show it.
    """
    if not isinstance(data, dict):
        return ["the page is not a JSON object"]
    what = "the page"
    problems = [] if embedded else context_problems(data, what=what)
    problems += id_problems(data, what=what)
    problems += type_problems(data, what=what, expected="AnnotationPage")
    items = data.get("items")
    if not isinstance(items, list):
        problems.append("the page has no items list")
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, str):
            problems += [] if is_iri(item) else [f"item {index} is not an IRI"]
        else:
            problems += [f"item {index}: {p}" for p in annotation_problems(item, embedded=True)]
    for key in ("next", "prev"):
        if key in data and not is_iri(data[key]):
            problems.append(f"the page's {key} is not an IRI")
    if "startIndex" in data and not (
        isinstance(data["startIndex"], int) and data["startIndex"] >= 0
    ):
        problems.append("the page's startIndex is not a non-negative integer")
    if "partOf" in data:
        part_of = data["partOf"]
        part_of_id = part_of.get("id") if isinstance(part_of, dict) else part_of
        if not is_iri(part_of_id):
            problems.append("the page's partOf is not identified by an IRI")
        if isinstance(part_of, dict):
            problems += collection_problems(part_of, embedded=True)
    return problems


def collection_problems(data, *, embedded: bool = False) -> list[str]:
    """What breaks a MUST of an AnnotationCollection (5.1), and of its embedded first page."""
    if not isinstance(data, dict):
        return ["the collection is not a JSON object"]
    what = "the collection"
    problems = [] if embedded else context_problems(data, what=what)
    problems += id_problems(data, what=what)
    problems += type_problems(data, what=what, expected="AnnotationCollection")
    total = data.get("total")
    if "total" in data and not (isinstance(total, int) and total >= 0):
        problems.append("the collection's total is not a non-negative integer")
    if not all(isinstance(label, str) for label in _values(data.get("label"))):
        problems.append("the collection's label is not a string")
    if isinstance(total, int) and total > 0 and "first" not in data:
        problems.append("the collection has annotations but no first page")
    if "first" in data:
        first = data["first"]
        if isinstance(first, dict):
            problems += page_problems(first, embedded=True)
        elif not is_iri(first):
            problems.append("the collection's first is neither an IRI nor a page")
    if "last" in data and not is_iri(data["last"]):
        problems.append("the collection's last is not an IRI")
    return problems


def assert_annotation(data, *, id_required: bool = True) -> None:
    assert annotation_problems(data, id_required=id_required) == []


def assert_page(data) -> None:
    assert page_problems(data) == []


def assert_collection(data) -> None:
    assert collection_problems(data) == []
