"""The hgbook benchmark through the real pipeline: `import_book` v0, then v1.

Every block is rendered by `render_chapter`, aligned by `chapters_revise` and
stored, exactly as an editor's import would (with DEBUG off, as deployed); the
pids stored for v1 are then checked against the author's own paragraph ids.
"""

import io
import os
import time
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings

from bench.anchoring_hgbook import DATA, _row, data_missing, load_draft, score, v0_pid
from chapters.importing import chapter_slug
from chapters.models import Chapter

BOOK = "hgbook-bench"


def _as_deployed():
    """DEBUG off, as on a server: with DEBUG on, Django formats every query for its
    log, and each chapter's insert of hundreds of blocks costs a tenth more."""
    return override_settings(DEBUG=False)


def stored_pids(draft_chapters) -> dict[str, list[str]]:
    """For each chapter file of a draft, the pids stored on its current blocks."""
    found: dict[str, list[str]] = {}
    for name in draft_chapters:
        chapter = Chapter.objects.get(book__slug=BOOK, slug=chapter_slug(Path(f"{name}.md")))
        found[name] = list(
            chapter.current_revision.blocks.order_by("position").values_list("pid", flat=True)
        )
    return found


def check_blocks(draft, pids: dict[str, list[str]], label: str) -> None:
    for name, entries in draft.items():
        if len(entries) != len(pids[name]):
            raise SystemExit(
                f"{label} {name}: the data lists {len(entries)} blocks, "
                f"the renderer made {len(pids[name])}"
            )


def main() -> None:
    print("\n== hgbook through import_book (render, align, store), v0 then v1")
    if missing := data_missing():
        print(missing)
        return
    v0 = load_draft(DATA / "v0")
    v1 = load_draft(DATA / "v1")
    Chapter.objects.filter(book__slug=BOOK).delete()
    out = io.StringIO()

    started, cpu = time.perf_counter(), time.process_time()
    with _as_deployed():
        call_command("import_book", str(DATA / "v0" / "chapters"), "--book", BOOK, stdout=out)
    first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    ours_v0 = stored_pids(v0)
    check_blocks(v0, ours_v0, "v0")
    to_author = {
        ours: v0_pid(entry)
        for name, entries in v0.items()
        for entry, ours in zip(entries, ours_v0[name], strict=True)
    }

    started, cpu = time.perf_counter(), time.process_time()
    with _as_deployed():
        call_command(
            "import_book",
            str(DATA / "v1" / "chapters"),
            "--book",
            BOOK,
            "--archive-missing",
            stdout=out,
        )
    second, second_cpu = time.perf_counter() - started, time.process_time() - cpu
    ours_v1 = stored_pids(v1)
    check_blocks(v1, ours_v1, "v1")
    v1_pids = {name: [to_author.get(pid) for pid in pids] for name, pids in ours_v1.items()}
    result = score(v0, v1, v1_pids)

    print(_row("edited paragraphs", result.edited))
    print(_row("unchanged paragraphs", result.unchanged))
    print(_row("deleted paragraphs", result.deleted, right="retired"))
    for pid, outcome in result.ambiguous.items():
        print(f"{'ambiguous (text reappears)':<30} {pid}: {outcome}")
    print(
        f"{'new paragraphs':<30} {result.new_total:>6} "
        f"given an old pid: {len(result.new_given_old_pid)}"
    )
    blocks = sum(len(entries) for entries in v0.values())
    # Wall time is what a user waits; CPU time tells a busy machine from slow code.
    print(f"import v0 ({blocks} blocks, {len(v0)} chapters): {first:.2f} s ({first_cpu:.2f} s CPU)")
    print(f"import v1 as the next draft: {second:.2f} s ({second_cpu:.2f} s CPU)")
    print(f"the whole pair: {first + second:.2f} s ({first_cpu + second_cpu:.2f} s CPU)")
    print(f"load average while measured: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    met = first + second <= 3.0
    print(f"target {'whole public pair imported <= 3 s':<42} {'met' if met else 'MISSED'}")
