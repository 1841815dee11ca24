"""A Redis cache that lets the site go on when Redis is down.

The cache only ever speeds things up: nothing the site promises (the comment
limit, sessions, login throttling) is kept in it. So when Redis cannot be
reached, a read is a miss and a write is skipped, with a warning in the log,
instead of an error page. After a failure Redis is left alone for
`RETRY_AFTER` seconds, so an outage costs one failed connection per process
every few seconds rather than one per cache call.
"""

import logging
import os
import pickle
import socket
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.connection import parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# Every pickle of protocol 2 or newer starts with the PROTO opcode; Django's Redis
# serializer stores integers as their digits and everything else pickled.
PICKLED = pickle.PROTO


class RedisWire(threading.local):
    """The page cache's read, over a plain socket kept per thread: one MGET, packed
    here and parsed by hiredis. A stored page is answered in about a third of the
    time redis-py's command machinery takes (its pool, retries and callbacks), which
    on a cached page is most of the work.

    Only for a plain `redis://` server with hiredis installed; `mget` answers None
    when it cannot be used or the socket fails, and the caller reads through
    redis-py instead (which notices an outage and fails soft)."""

    def __init__(self, url: str, timeout: float | None = None):
        try:
            import hiredis
        except ImportError:  # pragma: no cover - hiredis is in requirements.txt
            hiredis = None
        parsed = parse_url(url)
        self._hiredis = hiredis
        self._usable = hiredis is not None and "connection_class" not in parsed
        self._parsed = parsed
        self._timeout = timeout
        self._sock = None
        self._pid = 0

    @staticmethod
    def _pack(*args: bytes) -> bytes:
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
        return b"".join(parts)

    def _connect(self) -> None:
        sock = socket.create_connection(
            (self._parsed.get("host", "127.0.0.1"), self._parsed.get("port", 6379)),
            timeout=self._timeout,
        )
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock, self._pid = sock, os.getpid()
        self._reader = self._hiredis.Reader()
        hello = []
        if self._parsed.get("password") is not None:
            user = self._parsed.get("username")
            secret = self._parsed["password"].encode()
            hello.append(
                self._pack(b"AUTH", user.encode(), secret) if user else self._pack(b"AUTH", secret)
            )
        if self._parsed.get("db"):
            hello.append(self._pack(b"SELECT", str(self._parsed["db"]).encode()))
        for command in hello:
            if isinstance(self._call(command), self._hiredis.ReplyError):
                raise OSError("Redis refused the page cache's connection")

    def _call(self, command: bytes):
        self._sock.sendall(command)
        while True:
            reply = self._reader.gets()
            if reply is not False:
                return reply
            chunk = self._sock.recv(262144)
            if not chunk:
                raise OSError("Redis closed the connection")
            self._reader.feed(chunk)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None

    def mget(self, keys: list[str]) -> list[bytes | None] | None:
        if not self._usable:
            return None
        try:
            if self._sock is None or self._pid != os.getpid():
                self.close()  # a forked worker's copy of its parent's socket
                self._connect()
            reply = self._call(self._pack(b"MGET", *(key.encode() for key in keys)))
        except (OSError, UnicodeError):
            self.close()
            return None
        if not isinstance(reply, list) or len(reply) != len(keys):
            self.close()
            return None
        return reply


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client makes a new `redis.Redis` for every cache call, which costs
    more than the call itself on a cached page (it fills a table of ~170 response
    callbacks each time). A `redis.Redis` is safe to share between threads and takes
    a connection from its pool per command, so one per pool is kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailSoftRedisCache(RedisCache):
    """Django's RedisCache, with an unreachable Redis treated as an empty cache."""

    RETRY_AFTER = 5.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        options = params.get("OPTIONS", {})
        self._wire = RedisWire(self._servers[0], timeout=options.get("socket_timeout"))
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _call(self, fallback, method, *args):
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return method(*args)
        except UNREACHABLE as error:
            with self._lock:
                # One warning per outage and process, not one per request.
                if time.monotonic() >= self._down_until:
                    log.warning(
                        "cache: Redis unreachable (%s: %s); %s skipped, retrying in %ss",
                        type(error).__name__,
                        error,
                        method.__name__,
                        self.RETRY_AFTER,
                    )
                self._down_until = time.monotonic() + self.RETRY_AFTER
            return fallback

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def get_many_trusted(self, keys):
        """`get_many` for keys the site made itself (the page cache's hit path): the
        keys are not checked for memcached compatibility, and a value is unpickled
        without first being tried as an integer (a failed `int()` costs more than
        the read on a cached page)."""
        return self._call({}, self._get_many_trusted, keys)

    def _get_many_trusted(self, keys):
        made = [self.make_key(key) for key in keys]
        found = self._wire.mget(made)
        if found is None:
            found = self._cache.get_client().mget(made)
        return {
            # The cache is the site's own, as for Django's Redis serializer.
            key: pickle.loads(value) if value[:1] == PICKLED else int(value)  # noqa: S301
            for key, value in zip(keys, found, strict=True)
            if value is not None
        }

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # Every Django cache answers a missing key with ValueError; an unreachable
        # cache has no keys.
        missing = object()
        value = self._call(missing, super().incr, key, delta, version)
        if value is missing:
            raise ValueError(f"Key '{key}' not found: the cache is unreachable.")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # As in Django: the keys that could not be stored.
        return self._call(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(None, super().delete_many, keys, version)

    def clear(self):
        return self._call(False, super().clear)
