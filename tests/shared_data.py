"""Where the shared test data lives, and why a test module skips without it.

The data (../shared/testdata, described in its README.md) sits beside the
repository, never inside it. A clone of the project alone has no ../shared: the
test modules that read it skip with the reason below, the project's own tests
cover the same ground, and `.ci/run` refuses to start without it, so CI never
skips them.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_TESTDATA = REPO / ".." / "shared" / "testdata"


def missing_reason(*parts: str, covered_by: str) -> str | None:
    """Why ../shared/testdata/<parts> cannot be used, or None when it is there.

    A module holding only tests of that data skips with this reason at import:
    `if reason := missing_reason(...): pytest.skip(reason, allow_module_level=True)`.
    `covered_by` names the project's own tests of the same ground.
    """
    if SHARED_TESTDATA.joinpath(*parts).exists():
        return None
    relative = "/".join(("..", "shared", "testdata", *parts))
    return (
        f"{relative} is missing (a clone without ../shared); "
        f"{covered_by} cover the same ground, and .ci/run requires the data"
    )
