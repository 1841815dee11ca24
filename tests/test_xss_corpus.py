"""The shared XSS corpus through every pipeline: nothing script-capable comes out.

Every payload of ../shared/testdata/xss/payloads.json (DOMPurify's tests,
html5lib's sanitiser tests, the RSnake cheat sheet) goes through the chapter
pipeline, the comment pipeline and the sanitiser itself, with both backends, and
is held to the checks of `tests/xss_checks.py`. Skipped when the data is
missing; `tests/test_xss.py` runs the project's own cases of every attack class
through the same checks.
"""

import json

import pytest

from tests.shared_data import SHARED_TESTDATA, missing_reason
from tests.xss_checks import (
    BACKENDS,
    PROFILES,
    check_as_chapter,
    check_as_comment,
    check_through_sanitiser,
)

if reason := missing_reason("xss", "payloads.json", covered_by="the cases of tests/test_xss.py"):
    pytest.skip(reason, allow_module_level=True)
PAYLOADS_PATH = SHARED_TESTDATA / "xss" / "payloads.json"
PAYLOADS: list[dict[str, str]] = json.loads(PAYLOADS_PATH.read_text(encoding="utf-8"))
PAYLOAD_PARAMS = [pytest.param(item["payload"], id=item["id"]) for item in PAYLOADS]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, settings) -> str:
    settings.WETHINK_SANITIZER = request.param
    return request.param


def test_corpus_is_there() -> None:
    assert len(PAYLOADS) > 300


@pytest.mark.parametrize("payload", PAYLOAD_PARAMS)
def test_payload_as_chapter(payload: str, backend: str) -> None:
    check_as_chapter(payload, backend=backend)


@pytest.mark.parametrize("payload", PAYLOAD_PARAMS)
def test_payload_as_comment(payload: str, backend: str) -> None:
    check_as_comment(payload, backend=backend)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("payload", PAYLOAD_PARAMS)
def test_payload_through_sanitiser(payload: str, backend: str, profile: str) -> None:
    check_through_sanitiser(payload, backend=backend, profile=profile)
