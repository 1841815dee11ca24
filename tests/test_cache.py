"""The Redis cache fails soft: with Redis down, pages read and comments post."""

import logging
import socket
import socketserver
import threading
import time
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse

from comments.models import Comment
from tests.conftest import run_manage
from wethink.cache import FailSoftRedisCache, RedisWire

# Nothing listens on port 1, so every connection is refused at once.
CLOSED = "redis://127.0.0.1:1/0"
DOWN = {"default": {"BACKEND": "wethink.cache.FailSoftRedisCache", "LOCATION": CLOSED}}


def redis_down() -> FailSoftRedisCache:
    return FailSoftRedisCache(CLOSED, {})


def redis_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.2).close()
    except OSError:
        return False
    return True


def test_an_unreachable_redis_is_an_empty_cache():
    cache = redis_down()
    assert cache.get("k") is None
    assert cache.get("k", "miss") == "miss"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.get_many_trusted(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.has_key("k") is False
    assert cache.touch("k") is False
    assert cache.delete("k") is False
    cache.delete_many(["a"])
    assert cache.get_or_set("k", lambda: "computed") == "computed"
    with pytest.raises(ValueError, match="not found"):
        cache.incr("k")
    assert cache.clear() is False


def test_an_outage_is_logged_once_and_redis_is_left_alone_for_a_while(caplog, monkeypatch):
    cache = redis_down()
    with caplog.at_level(logging.WARNING, logger="wethink.cache"):
        for _ in range(20):
            cache.get("k")
    warnings = [r for r in caplog.records if r.name == "wethink.cache"]
    assert len(warnings) == 1
    assert "Redis unreachable" in warnings[0].getMessage()
    assert cache.is_down

    tries = []
    monkeypatch.setattr(cache._cache, "get", lambda *a: tries.append(a))
    cache.get("k")
    assert tries == []  # within RETRY_AFTER: no connection attempted
    monkeypatch.setattr(cache, "_down_until", time.monotonic() - 1)
    cache.get("k")
    assert len(tries) == 1  # afterwards it tries again


@pytest.mark.skipif(not redis_running(), reason="needs Redis on 127.0.0.1:6379")
def test_a_running_redis_works_as_usual():
    cache = FailSoftRedisCache(
        "redis://127.0.0.1:6379/0", {"KEY_PREFIX": f"wethink-test-{uuid.uuid4().hex}"}
    )
    try:
        cache.set("k", {"a": 1}, timeout=30)
        assert cache.get("k") == {"a": 1}
        assert cache.add("n", 1, timeout=30) is True
        assert cache.incr("n") == 2
        assert not cache.is_down
        # The page cache's read: the same values, integers and pickles alike.
        cache.set("s", "token", timeout=30)
        cache.set("b", b"\x80body", timeout=30)
        assert cache.get_many_trusted(["k", "n", "s", "b", "absent"]) == cache.get_many(
            ["k", "n", "s", "b", "absent"]
        )
        assert cache.get_many_trusted(["n", "s"]) == {"n": 2, "s": "token"}
        # get and get_many read over the wire, as redis-py would have read them.
        assert cache._wire._sock is not None
        names = ["k", "n", "s", "b", "absent"]
        assert cache.get_many(names) == RedisCache.get_many(cache, names)
        assert cache.get("b") == RedisCache.get(cache, "b") == b"\x80body"
        assert cache.get("absent", "default") == "default"
        cache.set("k", "second", timeout=30, version=2)
        assert (cache.get("k"), cache.get("k", version=2)) == ({"a": 1}, "second")
        assert cache.get_many(["k"], version=2) == {"k": "second"}
        # One redis.Redis for the process, not a new one per call.
        assert cache._cache.get_client() is cache._cache.get_client(write=True)
    finally:
        cache.delete_many(["k", "n", "s", "b"])
        cache._wire.close()


def test_pages_read_and_comments_post_with_redis_down(client, chapter, reader, settings):
    settings.CACHES = DOWN
    assert isinstance(caches["default"], FailSoftRedisCache)
    assert client.get(chapter.get_absolute_url()).status_code == 200
    client.force_login(reader)
    pid = chapter.current_revision.blocks.get(position=2).pid
    url = reverse(
        "comments:thread", kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "pid": pid}
    )
    response = client.post(url, {"body": "Still here"})
    assert response.status_code == 302
    assert Comment.objects.get().body == "Still here"
    assert "Still here" in client.get(url).text


def test_a_redis_url_gives_the_fail_soft_cache():
    result = run_manage(
        "shell",
        "-c",
        "from django.core.cache import caches; c = caches['default']; "
        "print(type(c).__name__, c.get('k', 'miss'))",
        REDIS_URL=CLOSED,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["FailSoftRedisCache", "miss"]


@pytest.mark.skipif(not redis_running(), reason="needs Redis on 127.0.0.1:6379")
def test_the_page_cache_wire_reads_what_redis_py_wrote(monkeypatch):
    cache = FailSoftRedisCache(
        "redis://127.0.0.1:6379/2", {"KEY_PREFIX": f"wethink-test-{uuid.uuid4().hex}"}
    )
    try:
        cache.set_many({"page": {"headers": [("A", "b")]}, "body": b"x" * 300_000, "v": "t1"})
        made = tuple(cache.make_key(k) for k in ("page", "body", "v", "absent"))
        wire = cache._wire
        assert wire.mget(made) == cache._cache.get_client().mget(made)
        assert cache.get_many_trusted(["page", "body", "v"]) == cache.get_many(
            ["page", "body", "v"]
        )
        # In a forked worker the socket is opened again, never shared.
        first = wire._sock
        monkeypatch.setattr("wethink.cache.os.getpid", lambda: -1)
        assert wire.mget(made)[2] == cache._cache.get_client().get(made[2])
        assert wire._sock is not first
    finally:
        cache.delete_many(["page", "body", "v"])
        cache._wire.close()


def test_the_page_cache_wire_steps_aside_when_it_cannot_serve():
    # Other transports go through redis-py.
    assert RedisWire("rediss://127.0.0.1:6379/0").mget(("k",)) is None
    assert RedisWire("unix:///tmp/redis.sock?db=1").mget(("k",)) is None
    # A refused connection: None, and the cache reads through redis-py, which
    # notices the outage and answers an empty cache.
    wire = RedisWire(CLOSED, timeout=0.2)
    assert wire.mget(("k",)) is None
    assert wire._sock is None
    cache = redis_down()
    assert cache.get_many_trusted(["k"]) == {}
    assert cache.is_down


@pytest.mark.skipif(not redis_running(), reason="needs Redis on 127.0.0.1:6379")
def test_the_page_cache_wire_reconnects_after_redis_closed_its_socket():
    cache = FailSoftRedisCache("redis://127.0.0.1:6379/2", {"KEY_PREFIX": uuid.uuid4().hex})
    cache.set("v", "t1", timeout=30)
    assert cache.get_many_trusted(["v"]) == {"v": "t1"}
    first = cache._wire._sock
    first.close()  # as when Redis restarts or drops idle clients
    assert cache.get_many_trusted(["v"]) == {"v": "t1"}  # the wire opens another
    assert cache._wire._sock not in {None, first}
    assert not cache._wire._down_until
    cache.delete("v")
    cache._wire.close()


class OddRedis(socketserver.ThreadingTCPServer):
    """A server speaking Redis's protocol badly: it answers every command with
    `reply`, as a Redis still loading its data answers -LOADING."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, reply: bytes):
        self.reply = reply

        class Handler(socketserver.BaseRequestHandler):
            def handle(handler):
                while handler.request.recv(65536):
                    handler.request.sendall(reply)

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, signed_in: bool) -> str:
        port = self.server_address[1]
        return f"redis://:secret@127.0.0.1:{port}/1" if signed_in else f"redis://127.0.0.1:{port}/0"


@pytest.mark.parametrize(
    ("reply", "signed_in"),
    [(b"-WRONGPASS invalid password\r\n", True), (b"-LOADING Redis is loading\r\n", False)],
    ids=["refused sign-in", "error reply"],
)
def test_the_wire_closes_what_it_opened_and_waits_when_redis_answers_oddly(
    monkeypatch, reply, signed_in
):
    """A sign-in refused, or an error where the MGET's list should be: the socket
    is closed at once and the wire leaves Redis alone for a few seconds."""
    server = OddRedis(reply)
    opened = []
    connect = socket.create_connection
    monkeypatch.setattr(
        socket, "create_connection", lambda *a, **k: opened.append(connect(*a, **k)) or opened[-1]
    )
    wire = RedisWire(server.url(signed_in), timeout=1.0)
    try:
        assert wire.mget(("k",)) is None
        assert [sock.fileno() for sock in opened] == [-1]  # closed, not left to the collector
        assert wire._sock is None
        # Then it leaves Redis alone for a while: no connection per request.
        assert wire.mget(("k",)) is None
        assert len(opened) == 1
        monkeypatch.setattr(wire, "_down_until", time.monotonic() - 1)
        assert wire.mget(("k",)) is None
        assert len(opened) == 2
    finally:
        server.shutdown()
        server.server_close()
