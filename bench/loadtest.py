"""`make loadtest`: readers and commenters at once against `make serve` on
PostgreSQL and Redis, on loopback.

Locust (as a library, headless) runs `LOADTEST_READERS` (200) anonymous readers
reading chapters, the contents and threads, and `LOADTEST_COMMENTERS` (20)
signed-in commenters posting comments, replying and voting, for
`LOADTEST_SECONDS` (60). It prints requests a second and p50/p95/p99 per kind of
request and the errors; then every comment a client was told was posted (a 302
after its POST) is looked for in the database: each carries a unique token, so
a lost or a doubled comment shows.

The site gets a PostgreSQL database of its own, `wethink_loadtest`, and the
Redis database of `LOADTEST_REDIS_URL` (default redis://127.0.0.1:6379/15,
emptied first); `make serve` runs with its own defaults (`WEB_CONCURRENCY`
gunicorn workers, 2 x cores + 1, and the task worker).
"""

# Locust patches the standard library for gevent when imported: first, before
# anything opens a socket.
import locust  # noqa: I001
from locust import FastHttpUser, between, task
from locust.env import Environment

import io
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter

import gevent

from bench import serving

READERS = int(os.environ.get("LOADTEST_READERS", "200"))
COMMENTERS = int(os.environ.get("LOADTEST_COMMENTERS", "20"))
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "60"))
TOKEN = "loadtest-"

site: dict = {}
told: list[str] = []


class Reader(FastHttpUser):
    """Someone reading: a chapter, now and then the contents, and open threads."""

    wait_time = between(1, 4)
    default_headers = {"Accept-Encoding": "gzip"}

    @task(6)
    def chapter(self):
        self.client.get(random.choice(site["chapters"])[0], name="chapter")

    @task(3)
    def thread(self):
        chapter, pids = random.choice(site["chapters"])
        self.client.get(f"{chapter}p/{random.choice(pids)}/", name="thread")

    @task(1)
    def contents(self):
        self.client.get(site["contents"], name="contents")


class Commenter(FastHttpUser):
    """A signed-in reader posting, replying and voting, as a browser without
    JavaScript does: a form POST answered by a redirect, not followed."""

    fixed_count = COMMENTERS
    wait_time = between(1, 4)

    def on_start(self):
        session = site["sessions"].pop()
        csrf = uuid.uuid4().hex
        self.headers = {
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Origin": self.host,
        }

    def post(self, path: str, name: str, form: dict) -> None:
        token = form.get("body")
        with self.client.post(
            path,
            data=form,
            headers=self.headers,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{name}: {response.status_code}")
            elif token:
                told.append(token)

    @task(3)
    def comment(self):
        chapter, pids = random.choice(site["chapters"])
        body = f"{TOKEN}{uuid.uuid4().hex}"
        self.post(f"{chapter}p/{random.choice(pids)}/", "post a comment", {"body": body})

    @task(2)
    def reply(self):
        body = f"{TOKEN}{uuid.uuid4().hex}"
        self.post(f"/c/{random.choice(site['comments'])}/reply/", "reply", {"body": body})

    @task(2)
    def vote(self):
        self.post(f"/c/{random.choice(site['comments'])}/vote/", "vote", {})

    @task(3)
    def thread(self):
        chapter, pids = random.choice(site["chapters"])
        self.client.get(f"{chapter}p/{random.choice(pids)}/", name="thread", headers=self.headers)


def prepare(env: dict[str, str]) -> None:
    """Migrate, load the demo book, make the commenters' accounts and sessions and
    a few comments to reply to and vote on."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from chapters.models import Chapter
    from comments.services import comment_create

    call_command("migrate", verbosity=0)
    call_command("load_demo", allow_demo_accounts=True, stdout=io.StringIO())
    chapters = list(Chapter.objects.filter(book__slug="writing-in-the-open"))
    site["contents"] = f"/b/{chapters[0].book.slug}/"
    site["chapters"] = [
        (
            f"/b/{c.book.slug}/{c.slug}/",
            list(c.current_revision.blocks.values_list("pid", flat=True)),
        )
        for c in chapters
    ]
    users = [
        get_user_model().objects.create_user(f"loadtest-{i}", f"loadtest-{i}@example.org")
        for i in range(COMMENTERS)
    ]
    # Written by someone else: nobody may vote on their own comment.
    author = get_user_model().objects.get(username="reader")
    site["comments"] = [
        comment_create(
            user=author,
            chapter=chapter,
            pid=pid,
            body=f"A comment to reply to, number {i}.",
        ).pk
        for i, (chapter, pid) in enumerate(
            (c, pid)
            for c in chapters
            for pid in c.current_revision.blocks.values_list("pid", flat=True)[:10]
        )
    ]
    site["sessions"] = []
    for user in users:
        client = Client()
        client.force_login(user)
        site["sessions"].append(client.cookies["sessionid"].value)


def report(environment: Environment, seconds: float) -> int:
    """Print the figures; the number of problems found (errors, lost, doubled)."""
    from comments.models import Comment

    stats = environment.stats
    heading = ("count", "req/s", "p50", "p95", "p99", "errors")
    print(f"  {'request':<16} " + " ".join(f"{h:>7}" for h in heading))
    rows = [*sorted(stats.entries.values(), key=lambda e: e.name), stats.total]
    for entry in rows:
        print(
            f"  {entry.name:<16} {entry.num_requests:>7} {entry.num_requests / seconds:>7.1f} "
            f"{entry.get_response_time_percentile(0.5):>5.0f}ms "
            f"{entry.get_response_time_percentile(0.95):>5.0f}ms "
            f"{entry.get_response_time_percentile(0.99):>5.0f}ms {entry.num_failures:>7}"
        )
    for error in stats.errors.values():
        print(f"  error x{error.occurrences}: {error.method} {error.name}: {error.error}")
    stored = Counter(Comment.objects.filter(body__startswith=TOKEN).values_list("body", flat=True))
    lost = [token for token in told if token not in stored]
    doubled = [token for token, n in stored.items() if n > 1]
    unconfirmed = len(set(stored) - set(told))
    print(
        f"  comments and replies the clients were told were posted: {len(told)}; in the "
        f"database: {sum(stored.values())}; lost: {len(lost)}; duplicated: {len(doubled)}; "
        f"stored without a confirmation (a request cut off): {unconfirmed}"
    )
    return stats.total.num_failures + len(lost) + len(doubled)


def main() -> int:
    print(
        f"\n== Load test: {READERS} readers and {COMMENTERS} commenters for {SECONDS} s "
        f"against make serve"
    )
    database = serving.postgres_database("wethink_loadtest", os.environ.get("DATABASE_URL", ""))
    redis_url = os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    if database is None or not serving.redis_flushed(redis_url):
        print("The load test needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379.")
        return 1
    port = serving.free_port()
    env = serving.production_env(
        database_url=database,
        redis_url=redis_url,
        PORT=str(port),
        HOST="127.0.0.1",
        # Simulated commenters post faster than a person; the limit is not what is measured.
        WETHINK_COMMENTS_PER_MINUTE="1000",
    )
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "wethink.settings"
    sys.path.insert(0, str(serving.ROOT))
    import django

    django.setup()
    prepare(env)
    print(f"  database: {database}; cache: {redis_url}; http://127.0.0.1:{port}/")
    server = subprocess.Popen(
        ["make", "--no-print-directory", "serve"],  # noqa: S607 - as the README runs it
        cwd=serving.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        serving.wait_until_up(port, timeout=120)
        environment = Environment(user_classes=[Reader, Commenter], host=f"http://127.0.0.1:{port}")
        runner = environment.create_local_runner()
        runner.start(READERS + COMMENTERS, spawn_rate=(READERS + COMMENTERS) / 5)
        gevent.spawn_later(SECONDS, runner.quit)
        started = time.monotonic()
        runner.greenlet.join()
        elapsed = time.monotonic() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    problems = report(environment, elapsed)
    verdict = f"{problems} problems" if problems else "no problems"
    print(f"  locust {locust.__version__}; {verdict}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
