"""One page of a long list, and the page numbers its pager shows.

Lists that grow with a book (the moderation queue, a chapter's history, comments
on removed text) are shown a page at a time, so a page costs the same whatever
the list's length. The page number comes from the request through
`wethink.params` (a number that cannot be read is a 400); a number past the last
page shows the last page."""

from django.core.paginator import Page, Paginator


def page_get(items, *, number: int | None, per_page: int) -> Page:
    """Page `number` (1 when None) of `items`, a queryset or a list, with
    `page.numbers`: the page numbers to link, `…` standing for the ones left out."""
    paginator = Paginator(items, per_page)
    page = paginator.get_page(number or 1)
    page.numbers = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page
