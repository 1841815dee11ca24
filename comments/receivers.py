from comments.anchoring import comments_reanchor


def reanchor_after_revision(sender, *, revisions, **kwargs) -> None:
    comments_reanchor(revisions=revisions)
