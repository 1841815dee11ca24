"""The editors' pages: safe queue decisions, the fold page's ticks and preview, the
conflict pages, the contested view, history and acknowledgements."""

import re

import pytest
from django.urls import reverse

from comments.decisions import DECISIONS_AFTER, comments_decide, decision_actions
from comments.models import Comment
from tests.conftest import CHAPTER_TEXT
from tests.factories import UserFactory, comment_make

FEEDBACK = "/feedback/"


def fold_url(chapter):
    return reverse("comments:fold", kwargs={"book": chapter.book.slug, "chapter": chapter.slug})


def forms_of(page: str) -> list[str]:
    return re.findall(r"<form\b.*?</form>", page, flags=re.S)


@pytest.mark.parametrize("state", [choice.value for choice in Comment.Decision])
def test_decision_actions_are_the_transitions_the_service_allows(state):
    words = {"accept": "accepted", "reject": "declined", "defer": "deferred", "reopen": "open"}
    assert {words[action] for action in decision_actions(state)} == set(DECISIONS_AFTER[state])


def test_each_item_decides_only_itself(client, chapter, reader, editor):
    first = comment_make(chapter=chapter, author=reader, body="First point")
    second = comment_make(chapter=chapter, author=reader, body="Second point", position=4)
    client.force_login(editor)
    page = client.get(FEEDBACK).text
    for comment in (first, second):
        reasons = [f for f in forms_of(page) if f'id="reason-{comment.pk}"' in f]
        assert len(reasons) == 1
        form = reasons[0]
        # The reason's form holds one button, this item's Reject, and no other item.
        assert re.findall(r'<button type="submit"[^>]*value="([^"]+)"', form) == [
            f"reject:{comment.pk}"
        ]
        assert re.findall(r'name="group-(\d+)"', form) == [str(comment.pk)]
    # No form holds both items' decisions, and the ticks belong to the bulk form only.
    for form in forms_of(page):
        assert not (f':{first.pk}"' in form and f':{second.pk}"' in form)
    assert f'name="ids" value="{first.pk}" id="select-{first.pk}" form="bulk"' in page

    # What Enter in the reason field sends: this item's Reject with its reason.
    client.post(
        reverse("comments:decide"),
        {"one": f"reject:{first.pk}", f"group-{first.pk}": [first.pk], "reason": "Not now"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.decision == "declined" and second.decision == "open"
    assert first.replies.get().body == "Not now"


def test_items_offer_the_allowed_decisions(client, chapter, reader, editor):
    accepted = comment_make(chapter=chapter, author=reader, body="Taken")
    comments_decide(user=editor, comments=[accepted], decision="accepted")
    client.force_login(editor)
    page = client.get(FEEDBACK, {"state": "accepted"}).text
    offered = re.findall(rf'value="(\w+):{accepted.pk}"', page)
    assert sorted(offered) == ["defer", "reject", "reopen"]
    assert "Fold into the chapter" in page
    client.post(reverse("comments:decide"), {"one": f"reopen:{accepted.pk}"})
    accepted.refresh_from_db()
    assert accepted.decision == "open"


def test_state_tabs_show_words_and_filters_fold_away(client, chapter, reader, editor):
    comment_make(chapter=chapter, author=reader, body="Something")
    client.force_login(editor)
    page = client.get(FEEDBACK, {"kind": "comment", "commenter": reader.username}).text
    assert '<details class="queue-filters-box" data-open-wide>' in page
    assert "2 active" in page
    assert re.search(r"aria-current=\"page\">open <span", page)


def test_the_cleared_queue_points_to_what_waits_to_be_folded(
    client, chapter, reader, editor, django_capture_on_commit_callbacks
):
    comments = [comment_make(chapter=chapter, author=reader, body=f"Note {i}") for i in range(2)]
    client.force_login(editor)
    assert "waiting to be folded" not in client.get(FEEDBACK).text
    with django_capture_on_commit_callbacks(execute=True):
        comments_decide(user=editor, comments=comments, decision="accepted")
    page = client.get(FEEDBACK).text
    assert "No open feedback matches." in page
    assert "2 accepted comments are waiting to be folded into the text" in page
    assert "state=accepted" in page


def test_only_applied_suggestions_start_ticked(client, chapter, reader, editor):
    suggestion = comment_make(
        chapter=chapter, author=reader, quote="sets the scene", suggestion="opens the story"
    )
    note = comment_make(chapter=chapter, author=reader, position=4, body="Add a link.")
    comments_decide(user=editor, comments=[suggestion, note], decision="accepted")
    client.force_login(editor)
    page = client.get(fold_url(chapter)).text
    assert "checked" not in re.search(rf'id="fold-{suggestion.pk}"[^>]*>', page).group(0)
    assert "checked" not in re.search(rf'id="fold-{note.pk}"[^>]*>', page).group(0)
    assert "No change yet" in page

    page = client.post(
        fold_url(chapter),
        {"text": chapter.text, "base": 1, "message": "", "action": f"apply:{suggestion.pk}"},
    )
    text = page.text
    assert "checked" in re.search(rf'id="fold-{suggestion.pk}"[^>]*>', text).group(0)
    assert "checked" not in re.search(rf'id="fold-{note.pk}"[^>]*>', text).group(0)
    assert f'name="applied" value="{suggestion.pk}"' in text
    assert 'badge--applied">applied<' in text
    assert f'value="apply:{suggestion.pk}"' not in text
    # The preview is the change against revision 1, word by word.
    assert "Preview: the change from revision 1" in text
    assert "Paragraph 2 edited" in text
    assert re.search(r"<del>(?:(?!</del>).)*scene", text)
    assert re.search(r"<ins>(?:(?!</ins>).)*story", text)

    # Applied ones stay marked when the page comes back from another action.
    again = client.post(
        fold_url(chapter),
        {
            "text": page.context["text"],
            "base": 1,
            "message": "",
            "applied": [suggestion.pk],
            "folded": [suggestion.pk],
            "hints": page.context["hints"],
            "action": "apply-all",
        },
    ).text
    assert 'badge--applied">applied<' in again


def test_the_live_preview_is_a_diff_against_the_base(client, chapter, editor, reader):
    url = reverse(
        "comments:fold_preview", kwargs={"book": chapter.book.slug, "chapter": chapter.slug}
    )
    client.force_login(reader)
    assert client.post(url, {"text": "x", "base": 1}).status_code == 403
    client.force_login(editor)
    text = CHAPTER_TEXT.replace("sets the scene", "opens the story") + "\nA new ending.\n"
    page = client.post(url, {"text": text, "base": 1}).text
    assert "Paragraph 2 edited" in page and "added" in page and "A new ending." in page
    assert "unchanged paragraph" in page


def test_a_conflict_with_ones_own_save_says_saved_meanwhile(client, chapter, editor):
    client.force_login(editor)
    client.post(
        fold_url(chapter), {"text": CHAPTER_TEXT + "\nFirst tab.\n", "base": 1, "message": "a"}
    )
    response = client.post(
        fold_url(chapter), {"text": CHAPTER_TEXT + "\nSecond tab.\n", "base": 1, "message": "b"}
    )
    assert response.status_code == 409
    assert "saved meanwhile" in response.text
    assert "Another editor" not in response.text
    assert 'rel="stylesheet"' in response.text

    other = UserFactory(username="ed2")
    chapter.book.editors.add(other)
    client.force_login(other)
    response = client.post(
        fold_url(chapter), {"text": CHAPTER_TEXT + "\nThird.\n", "base": 1, "message": "c"}
    )
    assert (
        response.status_code == 409 and "Another editor saved this chapter first" in response.text
    )
