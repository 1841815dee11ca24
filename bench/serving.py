"""Start and stop real app servers for the HTTP benchmark, the load test and the
two-server test: gunicorn with the project's own `wethink/gunicorn.conf.py` and
production settings, on a free loopback port, always stopped at the end."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(*, database_url: str, redis_url: str = "", **extra: str) -> dict[str, str]:
    """The environment `make serve` needs (DEBUG off), for plain HTTP on loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "WETHINK_", "AXES_"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        # Nothing listens for SMTP here; mail is not what is measured.
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def postgres_database(name: str, base_url: str = "") -> str | None:
    """A new, empty PostgreSQL database `name` on the server of `base_url` (or the
    local one), dropped first if it exists; None when no PostgreSQL answers."""
    import psycopg2

    base = base_url.rsplit("/", 1)[0] if base_url else "postgres://postgres@127.0.0.1:5432"
    try:
        connection = psycopg2.connect(f"{base}/postgres", connect_timeout=3)
    except psycopg2.OperationalError:
        return None
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return f"{base}/{name}"


def sqlite_database(name: str) -> str:
    return f"sqlite:///{Path(tempfile.mkdtemp(prefix='wethink-bench-')) / f'{name}.sqlite3'}"


def redis_flushed(url: str) -> bool:
    """Empty the Redis database of `url`; False when no Redis answers there."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()
    except redis.RedisError:
        return False
    return True


def manage(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def wait_until_up(port: int, path: str = "/", timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def gunicorn(app: str, *, env: dict[str, str], port: int, log: Path | None = None):
    """gunicorn serving `app` on 127.0.0.1:`port` with the project's configuration,
    in a process group of its own that is ended on the way out, whatever happens."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, arguments built here
        [str(GUNICORN), "-c", "wethink/gunicorn.conf.py", app],
        cwd=ROOT,
        env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(port)
        yield process
    finally:
        stop(process)
        if log:
            out.close()


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
