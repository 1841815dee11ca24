"""Where the shared test data lives, and the skip when a clone has none.

The data (../shared/testdata, described in its README.md) sits beside the
repository, never inside it. A clone of the project alone has no ../shared: the
tests that read it are skipped with the reason below, the project's own tests
cover the same ground, and `.ci/run` refuses to start without it, so CI never
skips them.
"""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_TESTDATA = REPO / ".." / "shared" / "testdata"


def shared_or_skip(*parts: str, covered_by: str) -> Path:
    """The path of ../shared/testdata/<parts>, or skip the calling test module.

    Call it at module level from a file that holds only tests of the shared data.
    `covered_by` names the project's own tests of the same ground, for the reason.
    """
    path = SHARED_TESTDATA.joinpath(*parts)
    if not path.exists():
        relative = "/".join(("..", "shared", "testdata", *parts))
        pytest.skip(
            f"{relative} is missing (a clone without ../shared); "
            f"{covered_by} covers the same ground, and .ci/run requires the data",
            allow_module_level=True,
        )
    return path
