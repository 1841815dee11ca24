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
import re
import socket
import struct
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.connection import parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

try:
    import hiredis
except ImportError:  # pragma: no cover - hiredis is in requirements.txt
    hiredis = None

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# Every pickle of protocol 2 or newer starts with the PROTO opcode; Django's Redis
# serializer stores integers as their digits and everything else pickled.
PICKLED = pickle.PROTO


def stored_value(value: bytes):
    """A value as Django's Redis serializer stored it: an integer as its digits,
    anything else pickled (the cache is the site's own)."""
    return pickle.loads(value) if value[:1] == PICKLED else int(value)  # noqa: S301


class _Connection:
    """One thread's socket to Redis, closed when the thread's local data goes (the
    thread ended) rather than left to the garbage collector."""

    __slots__ = ("pid", "reader", "sock")

    def __init__(self, sock, reader):
        self.sock, self.reader, self.pid = sock, reader, os.getpid()

    def __del__(self):
        self.sock.close()


class RedisWire:
    """The page cache's read, over a plain socket kept per thread: one MGET, made
    once per set of keys, sent and answered with one system call each way (the
    kernel keeps the timeout, so no poll runs before them) and parsed by hiredis.
    The answer is the bytes Redis holds. A stored page's versions are read in about
    a third of the time redis-py's command machinery takes (its pool, retries and
    callbacks), which on a cached page is most of the work.

    Only for a plain `redis://` server with hiredis installed; `mget` answers None
    when it cannot be used, or when Redis fails or answers something else, and then
    leaves Redis alone for `RETRY_AFTER` seconds; the caller reads through redis-py
    instead (which notices an outage and fails soft)."""

    RETRY_AFTER = 5.0

    def __init__(self, url: str, timeout: float | None = None):
        server = parse_url(url)
        self._usable = (
            hiredis is not None and url.startswith("redis://") and "connection_class" not in server
        )
        self._server = server
        self._timeout = timeout
        self._local = threading.local()
        self._commands: dict[tuple, bytes] = {}
        self._down_until = 0.0

    @classmethod
    def for_cache(cls, config: dict) -> "RedisWire | None":
        """The wire to the first server of a CACHES entry; None for another kind."""
        location = config.get("LOCATION")
        if isinstance(location, str):
            location = re.split("[;,]", location)
        if not location or not str(location[0]).startswith("redis://"):
            return None
        return cls(location[0], timeout=config.get("OPTIONS", {}).get("socket_timeout"))

    @property
    def _sock(self):
        """This thread's socket, if it has one open."""
        connection = getattr(self._local, "connection", None)
        return connection.sock if connection is not None else None

    @staticmethod
    def _pack(*words: bytes) -> bytes:
        return b"*%d\r\n" % len(words) + b"".join(
            b"$%d\r\n%s\r\n" % (len(word), word) for word in words
        )

    def _command(self, keys: tuple) -> bytes:
        command = self._pack(b"MGET", *(k if isinstance(k, bytes) else k.encode() for k in keys))
        if len(self._commands) > 10_000:
            self._commands.clear()
        self._commands[keys] = command
        return command

    def _connect(self):
        server = self._server
        sock = socket.create_connection(
            (server.get("host", "127.0.0.1"), server.get("port", 6379)), timeout=self._timeout
        )
        try:
            reader = self._greet(sock)
        except BaseException:
            sock.close()  # a handshake cut short (refused, timed out) keeps no socket
            raise
        self._local.connection = _Connection(sock, reader)
        return sock, reader

    def _greet(self, sock):
        """Sign in and choose the database; then let the kernel keep the timeout."""
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = hiredis.Reader()
        server = self._server
        hello = []
        if server.get("password") is not None:
            user, secret = server.get("username"), server["password"].encode()
            hello.append(
                self._pack(b"AUTH", user.encode(), secret) if user else self._pack(b"AUTH", secret)
            )
        if server.get("db"):
            hello.append(self._pack(b"SELECT", str(server["db"]).encode()))
        for command in hello:
            sock.sendall(command)
            if isinstance(self._answer(sock, reader), hiredis.ReplyError):
                raise OSError("Redis refused the page cache's connection")
        timeout = self._timeout
        if timeout:
            # Blocking, with the timeout kept by the kernel: a timed-out call raises
            # OSError (EAGAIN) as a timed-out socket would, without a poll first.
            sock.settimeout(None)
            seconds = int(timeout)
            window = struct.pack("ll", seconds, int((timeout - seconds) * 1_000_000))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, window)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, window)
        return reader

    @staticmethod
    def _answer(sock, reader):
        reply = reader.gets()
        while reply is False:
            chunk = sock.recv(262144)
            if not chunk:
                raise OSError("Redis closed the connection")
            reader.feed(chunk)
            reply = reader.gets()
        return reply

    def close(self) -> None:
        """Close this thread's socket; the next read opens another."""
        connection = self._local.__dict__.pop("connection", None)
        if connection is not None:
            connection.sock.close()

    def _ask(self, command: bytes):
        connection = getattr(self._local, "connection", None)
        if connection is not None and connection.pid == os.getpid():
            try:
                connection.sock.sendall(command)
                return self._answer(connection.sock, connection.reader)
            except OSError:
                pass  # Redis dropped an idle socket, or restarted: one more try
        self.close()  # that socket, or a forked worker's copy of its parent's
        sock, reader = self._connect()
        sock.sendall(command)
        return self._answer(sock, reader)

    def mget(self, keys: tuple) -> list | None:
        """What Redis holds under the (made) cache keys, None for a missing one."""
        if not self._usable or time.monotonic() < self._down_until:
            return None
        command = self._commands.get(keys) or self._command(keys)
        try:
            reply = self._ask(command)
        except (OSError, UnicodeError):
            reply = None
        if type(reply) is not list or len(reply) != len(keys):
            # Down, or answering something else (an error while it loads, say).
            self.close()
            self._down_until = time.monotonic() + self.RETRY_AFTER
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

    def validate_key(self, key):
        """Redis takes any key: Django's warnings about keys memcached would refuse
        cost a walk over every character of every key, on every read of a page."""

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(default, self._get, key, default, version)

    def _get(self, key, default, version):
        # Over the wire when it can (sessions, the person's kept pages): redis-py's
        # command machinery costs more than the read itself.
        found = self._wire.mget((self.make_and_validate_key(key, version=version),))
        if found is None:
            return super().get(key, default, version)
        return default if found[0] is None else stored_value(found[0])

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, self._get_many, keys, version)

    def _get_many(self, keys, version):
        keys = list(keys)
        made = tuple(self.make_and_validate_key(key, version=version) for key in keys)
        found = self._wire.mget(made) if made else None
        if found is None:
            return super().get_many(keys, version)
        return {
            key: stored_value(value)
            for key, value in zip(keys, found, strict=True)
            if value is not None
        }

    def get_many_trusted(self, keys):
        """`get_many` for keys the site made itself (the page cache's hit path): the
        keys are not checked for memcached compatibility, and a value is unpickled
        without first being tried as an integer (a failed `int()` costs more than
        the read on a cached page)."""
        return self._call({}, self._get_many_trusted, keys)

    def _get_many_trusted(self, keys):
        made = tuple(self.make_key(key) for key in keys)
        found = self._wire.mget(made)
        if found is None:
            found = self._cache.get_client().mget(made)
        return {
            key: stored_value(value)
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
