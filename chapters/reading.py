"""The block list of the chapter page: made once per revision, counts added per view.

A revision's blocks never change, so their wrappers (`<div id="p-<pid>"
data-pid="<pid>">` around the sanitised HTML) are built once and kept in the
shared cache under the revision's id, filled when the revision is committed. A
view only adds what varies: each block's comments control, with the count the
viewer may see and the thread's address for the revision shown.

The markup is lean on purpose: a 339-block chapter is about 100 KB of HTML. The
paragraph number is drawn by CSS (a counter on the blocks, in reading order), and
the control's text, "Comments on paragraph N (count)", is its accessible name; CSS
shows the count, or a "+", in the margin.
"""

from django.core.cache import cache
from django.db import transaction
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from chapters.models import Block, ChapterRevision

# Part of the cache key: a change of the markup below makes every revision's
# blocks be built again rather than read as they were.
MARKUP = 1
KEEP_SECONDS = 7 * 24 * 3600

Parts = list[tuple[str, str, str, int]]


def _key(revision_id: int) -> str:
    return f"blocks:{MARKUP}:{revision_id}"


def _build(revision_id: int) -> Parts:
    rows = (
        Block.objects.filter(revision_id=revision_id)
        .order_by("position")
        .values_list("pid", "position", "html")
    )
    parts = []
    for pid, position, html in rows:
        safe = escape(pid)
        parts.append((f'<div id="p-{safe}" data-pid="{safe}">{html}', pid, safe, position))
    return parts


def revision_parts(revision: ChapterRevision) -> Parts:
    """The revision's blocks as (opening and HTML, pid, pid escaped, number): from the shared
    cache, else built (one query) and kept."""
    parts = cache.get(_key(revision.pk))
    if parts is None:
        parts = _build(revision.pk)
        cache.set(_key(revision.pk), parts, timeout=KEEP_SECONDS)
    return parts


def parts_summary(parts: Parts, *, words: int = 30) -> str:
    """The first words of the first paragraph, for the page's meta description."""
    for head, _pid, safe, _n in parts:
        opening = len(f'<div id="p-{safe}" data-pid="{safe}">')
        if head.startswith("<p", opening):
            text = " ".join(strip_tags(head).split())
            if text:
                return Truncator(text).words(words)
    return ""


def blocks_html(
    parts: Parts, *, counts: dict[str, int], thread_prefix: str, thread_suffix: str = ""
) -> SafeString:
    """The article's blocks, each closed with its control: a link to the block's
    thread (`thread_prefix` + pid + "/" + `thread_suffix`, relative to the page)."""
    plain = escape(gettext("Comments on paragraph %(n)s"))
    counted = escape(gettext("Comments on paragraph %(n)s (%(count)s)"))
    out = []
    for head, pid, safe, n in parts:
        count = counts.get(pid)
        href = f"{thread_prefix}{safe}/{thread_suffix}"
        if count:
            label = counted % {"n": n, "count": count}
            out.append(f'{head}<a href="{href}" data-n="{count}">{label}</a></div>')
        else:
            out.append(f'{head}<a href="{href}">{plain % {"n": n}}</a></div>')
    return mark_safe("".join(out))  # noqa: S308 - sanitised block HTML and escaped parts


def keep_after_revision(*, revisions) -> None:
    """Build the new revisions' blocks once they are committed, so the first view
    after a revision reads them rather than building them."""
    ids = [revision.pk for revision in revisions]

    def keep() -> None:
        cache.set_many({_key(pk): _build(pk) for pk in ids}, timeout=KEEP_SECONDS)

    transaction.on_commit(keep, robust=True)
