import pytest


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """`client.post`, with what the write does after commit (renewing the header
    facts, queueing mail) run as it would be once the request's transaction commits."""

    def posting(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(*args, **kwargs)

    return posting


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A block whose on-commit work runs at its end, as after a real commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
