"""The emails to commenters speak the site's language: subjects and bodies translated."""

import pytest
from django.test import TestCase
from django.utils import translation

from comments.decisions import comments_decide
from comments.services import comment_reply
from tests.factories import comment_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(chapter, reader):
    reader.email = "rea@example.org"
    reader.save()
    return comment_make(chapter=chapter, author=reader, body="A thought")


def test_reply_and_decision_emails_have_plain_subjects(root, editor, mailoutbox):
    with TestCase.captureOnCommitCallbacks(execute=True):
        comment_reply(user=editor, parent=root, body="Good point")
        comments_decide(user=editor, comments=[root], decision="accepted")
    reply, decision = mailoutbox
    assert reply.subject == "ed replied to your comment"
    assert reply.body.startswith("Hello rea,\n\ned replied to your comment on “First steps”")
    assert decision.subject == "Your comment was accepted"
    assert "Your comment on “First steps” in Open Book was accepted." in decision.body


def test_email_subjects_go_through_the_translation_catalogue(root, editor, monkeypatch):
    from comments import notifications

    seen = []
    monkeypatch.setattr(notifications, "_", lambda text: seen.append(text) or text)
    with translation.override("en"):
        reply = comment_reply(user=editor, parent=root, body="Good point")
        notifications.reply_message(reply_id=reply.pk)
        comments_decide(user=editor, comments=[root], decision="accepted")
        notifications.decision_message(comment_id=root.pk)
    assert "%(name)s replied to your comment" in seen
    assert "Your comment was accepted" in seen
