import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chapters.models import Book
from comments.decisions import comments_decide
from comments.models import Comment
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make, comment_row

FEEDBACK = "/feedback/"


def fold_url(chapter):
    return reverse("comments:fold", kwargs={"book": chapter.book.slug, "chapter": chapter.slug})


def test_the_queue_is_for_editors_and_staff(client, chapter, reader, editor, staff):
    comment_make(chapter=chapter, author=reader, body="Queue me")
    assert client.get(FEEDBACK).status_code == 302
    client.force_login(reader)
    assert client.get(FEEDBACK).status_code == 403
    other_editor = UserFactory(username="elsewhere")
    BookFactory(slug="other-book", editors=[other_editor])
    client.force_login(other_editor)
    assert "Queue me" not in client.get(FEEDBACK).text
    assert client.get(FEEDBACK, {"book": chapter.book.slug}).status_code == 403
    Book.objects.filter(pk=chapter.book_id).update(status=Book.Status.DRAFT)
    assert client.get(FEEDBACK, {"book": chapter.book.slug}).status_code == 404
    Book.objects.filter(pk=chapter.book_id).update(status=Book.Status.OPEN)
    for person in (editor, staff):
        client.force_login(person)
        page = client.get(FEEDBACK)
        assert page.status_code == 200 and "Queue me" in page.text


def test_filters_live_in_the_url_and_bad_ones_are_a_400(client, chapter, reader, editor):
    comment_make(chapter=chapter, author=reader, body="Plain remark")
    comment_make(chapter=chapter, author=reader, body="With a fix", suggestion="Better words")
    comment_make(
        chapter=chapter, author=UserFactory(username="zed"), body="From zed", quote="opening"
    )
    client.force_login(editor)
    page = client.get(FEEDBACK, {"kind": "suggestion"}).text
    assert "With a fix" in page and "Plain remark" not in page
    page = client.get(FEEDBACK, {"commenter": "zed"}).text
    assert "From zed" in page and "With a fix" not in page
    page = client.get(FEEDBACK, {"kind": "passage"}).text
    assert "From zed" in page and "Plain remark" not in page
    assert client.get(FEEDBACK, {"state": "bogus"}).status_code == 400
    assert client.get(FEEDBACK, {"sort": "sideways"}).status_code == 400


def test_accept_reject_defer_and_counts(client, chapter, reader, editor, mailoutbox):
    a = comment_make(chapter=chapter, author=reader, body="Accept me")
    b = comment_make(chapter=chapter, author=reader, body="Reject me")
    c = comment_make(chapter=chapter, author=reader, body="Defer me")
    client.force_login(editor)
    client.post(reverse("comments:decide"), {"one": f"accept:{a.pk}", f"group-{a.pk}": [a.pk]})
    client.post(
        reverse("comments:decide"),
        {"one": f"reject:{b.pk}", f"group-{b.pk}": [b.pk], f"reason-{b.pk}": "Out of scope"},
    )
    client.post(reverse("comments:decide"), {"decision": "defer", "ids": [c.pk]})
    for comment in (a, b, c):
        comment.refresh_from_db()
    assert (a.decision, b.decision, c.decision) == ("accepted", "declined", "deferred")
    assert b.replies.get().body == "Out of scope"
    page = client.get(FEEDBACK, {"state": "all"}).text
    assert "Accept me" in page and "Reject me" in page
    assert client.get(FEEDBACK).text.count('class="queue-item"') == 0


def test_reader_cannot_decide(client, chapter, reader):
    comment = comment_make(chapter=chapter, author=reader)
    client.force_login(reader)
    response = client.post(reverse("comments:decide"), {"decision": "accept", "ids": [comment.pk]})
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.decision == "open"
    # Nor on one they cannot see (held for moderation), nor on one that is gone.
    held = comment_make(chapter=chapter, author=UserFactory())
    Comment.objects.filter(pk=held.pk).update(moderation="pending")
    for pk in (held.pk, held.pk + 1000):
        response = client.post(reverse("comments:decide"), {"one": f"accept:{pk}"})
        assert response.status_code == 403, pk
    held.refresh_from_db()
    assert held.decision == "open"


def test_an_editor_of_another_book_cannot_decide(client, chapter, reader):
    """An editor elsewhere may decide nothing here: a comment they can read is refused
    (403); one they cannot see reads as gone, naming nothing about it."""
    visible = comment_make(chapter=chapter, author=reader)
    held = comment_make(chapter=chapter, author=UserFactory(), body="Held.")
    Comment.objects.filter(pk=held.pk).update(moderation="pending")
    other_editor = UserFactory()
    BookFactory(slug="other-book", editors=[other_editor])
    client.force_login(other_editor)
    response = client.post(reverse("comments:decide"), {"one": f"accept:{visible.pk}"})
    assert response.status_code == 403
    response = client.post(reverse("comments:decide"), {"one": f"accept:{held.pk}"}, follow=True)
    assert "Some of that feedback no longer exists." in response.text
    assert set(Comment.objects.values_list("decision", flat=True)) == {"open"}


def test_near_duplicates_are_settled_by_one_decision(client, chapter, editor):
    readers = [UserFactory() for _ in range(3)]
    same = [
        comment_make(
            chapter=chapter,
            author=person,
            quote="sets the scene",
            suggestion="opens the story",
            body=f"Fix {i}",
        )
        for i, person in enumerate(readers)
    ]
    client.force_login(editor)
    page = client.get(FEEDBACK, {"sort": "oldest"}).text
    # One card names everyone; the others are not repeated as cards of their own.
    assert "Suggested by 3 readers:" in page
    for person in readers:
        assert f">{person.username}</a>" in page
    first = same[0]
    assert f'id="item-{first.pk}"' in page
    assert f'id="item-{same[1].pk}"' not in page and f'id="item-{same[2].pk}"' not in page
    group = [c.pk for c in same]
    client.post(
        reverse("comments:decide"), {"one": f"accept:{first.pk}", f"group-{first.pk}": group}
    )
    assert set(Comment.objects.filter(pk__in=group).values_list("decision", flat=True)) == {
        "accepted"
    }


def test_orphans_offer_candidate_places(client, chapter, reader, editor):
    from comments.revising import chapter_revise

    comment = comment_make(chapter=chapter, author=reader, position=7, body="On the quote")
    # The quotation goes; a paragraph much like it appears far away, at the top.
    text = CHAPTER_TEXT.replace("> A quotation worth commenting on.\n\n", "").replace(
        "# First steps\n", "# First steps\n\nA quotation that is worth commenting on.\n"
    )
    chapter_revise(chapter=chapter, text=text, editor=editor, message="r2")
    comment.refresh_from_db()
    assert comment.state == "orphaned"
    client.force_login(editor)
    page = client.get(FEEDBACK, {"anchor": "orphaned"}).text
    assert "Where might this comment belong now?" in page
    target = chapter.current_revision.blocks.get(text__startswith="A quotation that").pid
    client.post(reverse("comments:attach", args=[comment.pk]), {"pid": target})
    comment.refresh_from_db()
    assert comment.pid == target and comment.state == "changed"


@pytest.mark.django_db
def test_queue_queries_do_not_grow_with_the_number_of_comments(client):
    editor = UserFactory(username="big-editor")
    readers = [UserFactory() for _ in range(5)]

    def book_with(slug, n):
        book = BookFactory(slug=slug, editors=[editor])
        text = "\n\n".join(["# T"] + [f"Paragraph {i} here." for i in range(1, 60)])
        chapter = chapter_make(book=book, text=text, slug="t")
        blocks = list(chapter.current_revision.blocks.all())
        Comment.objects.bulk_create(
            [
                comment_row(
                    chapter=chapter,
                    block=blocks[i % len(blocks)],
                    author=readers[i % 5],
                    body=f"c{i}",
                    suggestion="same fix" if i % 4 == 0 else "",
                    quote_exact="Paragraph" if i % 4 == 0 else "",
                )
                for i in range(n)
            ],
            batch_size=2000,
        )
        return book

    small = book_with("small", 30)
    large = book_with("large", 20_000)
    client.force_login(editor)
    # The first page after signing in fills the shared cache (the person, the header's
    # counts); what is measured is every page after it.
    client.get(FEEDBACK)
    counts = []
    for book in (small, large):
        for sort in ("newest", "reading", "votes"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(FEEDBACK, {"book": book.slug, "sort": sort})
            assert response.status_code == 200
            counts.append(len(queries))
    assert counts[:3] == counts[3:], counts
    assert max(counts) <= 14, counts


def test_fold_page_is_for_editors(client, chapter, reader, editor, staff):
    url = fold_url(chapter)
    assert client.get(url).status_code == 302
    client.force_login(reader)
    assert client.get(url).status_code == 403
    assert client.post(url, {"text": "# Hijack\n", "base": 1, "message": "x"}).status_code == 403
    Book.objects.filter(pk=chapter.book_id).update(status=Book.Status.DRAFT)
    assert client.get(url).status_code == 404
    for person in (editor, staff):
        client.force_login(person)
        page = client.get(url)
        assert page.status_code == 200
        assert "Chapter text" in page.text and "Save revision" in page.text


def test_apply_then_save_through_the_fold_page(client, chapter, reader, editor):
    comment = comment_make(
        chapter=chapter, author=reader, quote="sets the scene", suggestion="opens the story"
    )
    comments_decide(user=editor, comments=[comment], decision="accepted")
    client.force_login(editor)
    page = client.post(
        fold_url(chapter),
        {"text": chapter.text, "base": 1, "message": "", "action": f"apply:{comment.pk}"},
    )
    assert page.status_code == 200
    assert "The opening paragraph opens the story." in page.text
    assert "Fold in 1 comment by rea" in page.text
    text = page.context["text"]
    response = client.post(
        fold_url(chapter),
        {
            "text": text,
            "base": 1,
            "message": "Fold in 1 comment by rea",
            "folded": [comment.pk],
            "action": "save",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/diff/1/2/")
    comment.refresh_from_db()
    assert comment.state == "incorporated"
    diff = client.get(response["Location"]).text
    assert "Comments folded into this change" in diff and comment.get_absolute_url() in diff
    thread = client.get(comment.get_absolute_url().split("#")[0]).text
    assert "incorporated in r2" in thread
    assert f"/diff/1/2/#p-{comment.pid}" in thread


def test_a_conflict_keeps_the_editors_text(client, chapter, editor):
    other = UserFactory(username="ed2")
    chapter.book.editors.add(other)
    client.force_login(other)
    client.post(
        fold_url(chapter), {"text": CHAPTER_TEXT + "\nTheirs.\n", "base": 1, "message": "theirs"}
    )
    client.force_login(editor)
    response = client.post(
        fold_url(chapter),
        {"text": CHAPTER_TEXT + "\nMine, intact.\n", "base": 1, "message": "mine"},
    )
    assert response.status_code == 409
    assert "Another editor saved this chapter first" in response.text
    assert "Mine, intact." in response.text
    assert 'name="base" value="2"' in response.text
    chapter.refresh_from_db()
    assert "Theirs." in chapter.text and "Mine" not in chapter.text


def fold_in(editor, chapter, comments) -> None:
    """A revision of `chapter` that folds `comments` in."""
    from comments.folding import fold_save

    fold_save(
        user=editor,
        chapter=chapter,
        base=chapter.revision,
        text=CHAPTER_TEXT + "\nEnd.\n",
        message="fold",
        folded=[c.pk for c in comments],
    )


def test_acknowledgements(client, chapter, reader, editor):
    from accounts.services import profile_get

    shy = UserFactory(username="shy")
    renamed = UserFactory(username="renamed")
    comments = [
        comment_make(chapter=chapter, author=person, position=pos)
        for person, pos in ((reader, 2), (reader, 4), (shy, 5), (renamed, 7))
    ]
    comments_decide(user=editor, comments=comments, decision="accepted")
    fold_in(editor, chapter, comments)
    profile = profile_get(shy)
    profile.credit_as = "hidden"
    profile.save()
    profile = profile_get(renamed)
    profile.credit_as = "other"
    profile.credit_name = "R. Enamed"
    profile.save()
    page = client.get(reverse("comments:acknowledgements", kwargs={"book": chapter.book.slug})).text
    assert "rea" in page and "2 comments incorporated" in page
    assert "R. Enamed" in page and "shy" not in page
    assert page.index("rea") < page.index("R. Enamed")


def test_acknowledgements_count_only_what_readers_may_see(client, chapter, reader, editor):
    draft = chapter_make(book=chapter.book, text=CHAPTER_TEXT, slug="unfinished")
    shown = comment_make(chapter=chapter, author=reader, position=2)
    hidden = comment_make(chapter=chapter, author=reader, position=4)
    unseen = comment_make(chapter=draft, author=reader, position=2)
    comments_decide(user=editor, comments=[shown, hidden], decision="accepted")
    comments_decide(user=editor, comments=[unseen], decision="accepted")
    fold_in(editor, chapter, [shown, hidden])
    fold_in(editor, draft, [unseen])
    Comment.objects.filter(pk=hidden.pk).update(moderation=Comment.Moderation.HIDDEN)
    draft.status = draft.Status.DRAFT
    draft.save()
    url = reverse("comments:acknowledgements", kwargs={"book": chapter.book.slug})
    assert "1 comment incorporated" in client.get(url).text
    draft.status = draft.Status.PUBLISHED
    draft.save()
    assert "2 comments incorporated" in client.get(url).text


def test_where_the_feedback_is_for_editors(client, chapter, reader, editor):
    busy = [comment_make(chapter=chapter, author=UserFactory(), position=4) for _ in range(3)]
    comments_decide(user=editor, comments=busy[:1], decision="accepted")
    # A declined comment was still discussion: it counts too.
    comments_decide(user=editor, comments=busy[1:2], decision="declined")
    comment_make(chapter=chapter, author=reader, position=2)
    url = reverse("comments:contested", kwargs={"book": chapter.book.slug, "chapter": chapter.slug})
    assert client.get(url).status_code == 302
    client.force_login(reader)
    assert client.get(url).status_code == 403
    assert "toc-feedback" not in client.get(chapter.book.get_absolute_url()).text
    client.force_login(editor)
    page = client.get(url)
    assert page.status_code == 200
    rows = {b.position: b.feedback for b in page.context["blocks"]}
    assert rows[4] == {"open": 1, "accepted": 1, "incorporated": 0, "declined": 1}
    assert rows[2] == {"open": 1, "accepted": 0, "incorporated": 0, "declined": 0}
    assert 'aria-label="1 open, 1 accepted, 0 incorporated, 1 declined"' in page.text
    contents = client.get(chapter.book.get_absolute_url()).text
    assert "drew feedback: 2 open, 1 accepted, 0 incorporated, 1 declined" in contents


def test_preview_attach_and_acknowledgements_permissions(client, chapter, reader, editor):
    preview = reverse(
        "comments:fold_preview", kwargs={"book": chapter.book.slug, "chapter": chapter.slug}
    )
    client.force_login(reader)
    assert client.post(preview, {"text": "# Hi\n\nThere."}).status_code == 403
    client.force_login(editor)
    response = client.post(preview, {"text": "# Hi\n\nThere <b>x</b>."})
    assert response.status_code == 200
    assert 'id="fold-preview"' in response.text and "&lt;b&gt;" in response.text
    assert client.get(preview).status_code == 405

    comment = comment_make(chapter=chapter, author=reader, position=7)
    client.force_login(reader)
    target = chapter.current_revision.blocks.get(position=2).pid
    assert (
        client.post(reverse("comments:attach", args=[comment.pk]), {"pid": target}).status_code
        == 403
    )

    thanks = reverse("comments:acknowledgements", kwargs={"book": chapter.book.slug})
    assert client.get(thanks).status_code == 200
    Book.objects.filter(pk=chapter.book_id).update(status=Book.Status.DRAFT)
    assert client.get(thanks).status_code == 404
    client.force_login(editor)
    assert client.get(thanks).status_code == 200
