"""`make bench`, over HTTP: wethink under gunicorn against Django's smallest
hello-world under the same gunicorn, side by side in one run.

Both servers run with production settings, the project's `wethink/gunicorn.conf.py`
and the same number of workers (`WEB_CONCURRENCY`, default 2). `wrk` measures each
page for `BENCH_SECONDS` (5) with `BENCH_CONNECTIONS` (8) connections, right after
hello-world, and the ratio of the two is the figure to compare between machines.
`BENCH_PAGES` (comma-separated words of the page names, e.g. `anonymous,thread`)
measures only those pages; `BENCH_PAGES_ONLY=1` skips the two timings after them;
`BENCH_ROUNDS` (1) measures each page that many times, each right after hello-world,
and prints the median ratio beside every round's (a busy machine moves them).
The load average is printed before and after the pages.
Then: the first anonymous view of the 300-block chapter after a write (a cache
miss), and 20 commenters posting at once.

The data lives in a PostgreSQL database of its own, `wethink_bench` (on the
server of `DATABASE_URL` if that is PostgreSQL, else the local one), or in a
temporary SQLite file when no PostgreSQL answers; the cache is the Redis of
`BENCH_REDIS_URL` (default redis://127.0.0.1:6379/14, emptied first) when one answers.
"""

import http.client
import io
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import serving

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1"))
WORKERS = os.environ.get("WEB_CONCURRENCY", "2")
COMMENTERS = 20
HGBOOK = serving.ROOT.parent / "shared" / "testdata" / "hgbook" / "v0" / "chapters"
WRK_MISSING = (
    "HTTP benchmark skipped: wrk is not installed. Install it with `apt-get install wrk` "
    "(`make bench` does so when run as root)."
)


def wrk(port: int, path: str, cookie: str = "") -> tuple[float, int, int]:
    """Requests a second, requests and responses other than 2xx/3xx."""
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-H", "Accept-Encoding: gzip"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(  # noqa: S603 - wrk on loopback, arguments built here
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: .*", output)
    if errors:
        print(f"    wrk: {errors.group(0)}")
    return rps, total, int(bad.group(1)) if bad else 0


def load_average() -> str:
    return ", ".join(f"{load:.2f}" for load in os.getloadavg())


def build_data() -> dict:
    """The demo book, a 300-block chapter with 5,000 comments and, when the data is
    there, the largest chapter of the hgbook; a reader's and an editor's session."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from chapters.models import Book, Chapter
    from chapters.services import chapter_create
    from comments.models import Comment, Vote

    call_command("load_demo", allow_demo_accounts=True, stdout=io.StringIO())
    User = get_user_model()
    editor = User.objects.get(username="editor")
    users = [User.objects.create_user(f"bench-reader-{i}") for i in range(COMMENTERS)]
    book = Book.objects.create(slug="bench-busy", title="Busy", status=Book.Status.OPEN)
    book.editors.add(editor)
    text = "\n\n".join(
        ["# Busy chapter"]
        + [f"Paragraph {i} draws a lot of comments from readers." for i in range(1, 300)]
    )
    chapter = chapter_create(book=book, title="Busy", slug="busy", text=text, editor=None)
    revision = chapter.current_revision
    blocks = list(revision.blocks.order_by("position"))

    def comment(i: int, parent: Comment | None = None) -> Comment:
        block = blocks[i % 300]
        return Comment(
            book=book,
            chapter=chapter,
            revision=revision,
            pid=block.pid,
            origin_pid=block.pid,
            block_text=block.text,
            body=f"Comment {i}",
            body_html=f"<p>Comment {i}</p>",
            author=users[i % COMMENTERS],
            parent=parent,
            depth=1 if parent else 0,
        )

    Comment.objects.bulk_create([comment(i) for i in range(4000)], batch_size=1000)
    # 1,000 of the 5,000 are replies, one to each of the first 1,000 comments.
    roots = list(Comment.objects.filter(chapter=chapter).order_by("id")[:1000])
    Comment.objects.bulk_create([comment(i, parent=root) for i, root in enumerate(roots)])
    Vote.objects.bulk_create([Vote(comment=root, user=users[1]) for root in roots])

    hgbook = None
    if HGBOOK.is_dir():
        call_command("import_book", str(HGBOOK), book="hgbook", stdout=io.StringIO())
        Book.objects.filter(slug="hgbook").update(status=Book.Status.OPEN)
        hgbook = max(
            Chapter.objects.filter(book__slug="hgbook"),
            key=lambda c: c.current_revision.blocks.count(),
        )
    demo_chapters = list(Chapter.objects.filter(book__slug="writing-in-the-open"))
    demo = demo_chapters[0]
    revised = max(demo_chapters, key=lambda c: c.revisions.count())
    revised_url = f"/b/{revised.book.slug}/{revised.slug}/"

    def session(user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    return {
        "demo": f"/b/{demo.book.slug}/{demo.slug}/",
        "history": f"{revised_url}history/",
        "diff": f"{revised_url}diff/1/{revised.revisions.count()}/",
        "busy": f"/b/{book.slug}/{chapter.slug}/",
        "busy_pid": blocks[1].pid,
        "hgbook": (
            f"/b/hgbook/{hgbook.slug}/",
            hgbook.current_revision.blocks.count(),
        )
        if hgbook
        else None,
        "reader": session(User.objects.get(username="reader")),
        "editor": session(editor),
        "commenters": [session(user) for user in users],
    }


class Poster:
    """One signed-in reader posting comments over a kept-alive connection."""

    def __init__(self, port: int, session: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.port = port
        token = secrets.token_hex(16)
        self.headers = {
            "Cookie": f"sessionid={session}; csrftoken={token}",
            "X-CSRFToken": token,
            "Origin": f"http://127.0.0.1:{port}",
            "Content-Type": "application/x-www-form-urlencoded",
        }

    def post(self, path: str, body: str) -> tuple[int, float]:
        start = time.perf_counter()
        self.connection.request("POST", path, body=body, headers=self.headers)
        response = self.connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - start


def cache_miss(port: int, data: dict, log: Path, runs: int = 20) -> tuple[list[float], list[float]]:
    """Time the first anonymous view of the busy chapter after each of `runs` comments:
    as the client saw it, and as the server took it (the last field of its access log
    line, in microseconds: `wethink/gunicorn.conf.py`)."""
    logged = log.stat().st_size
    poster = Poster(port, data["commenters"][0])
    reader = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    thread = f"{data['busy']}p/{data['busy_pid']}/"
    times = []
    for i in range(runs):
        status, _ = poster.post(thread, f"body=Cache+miss+{i}")
        assert status == 302, status
        start = time.perf_counter()
        reader.request("GET", data["busy"], headers={"Accept-Encoding": "gzip"})
        response = reader.getresponse()
        response.read()
        times.append(time.perf_counter() - start)
        assert response.status == 200, response.status
    time.sleep(0.5)  # the workers write their log lines after answering
    with log.open("rb") as lines:
        lines.seek(logged)
        served = [
            int(line.rsplit(maxsplit=1)[1]) / 1e6
            for line in lines.read().decode(errors="replace").splitlines()
            if f'"GET {data["busy"]} HTTP/1.1" 200 ' in line
        ]
    return times, served


def commenters_at_once(port: int, data: dict, each: int = 15) -> tuple[list[float], int]:
    """20 readers post `each` comments each, all at the same time."""
    times: list[float] = []
    failures = 0
    lock = threading.Lock()
    start = threading.Barrier(COMMENTERS)

    def run(index: int, session: str) -> None:
        nonlocal failures
        poster = Poster(port, session)
        start.wait()
        for i in range(each):
            thread = f"{data['busy']}p/{data['busy_pid']}/"
            status, elapsed = poster.post(thread, f"body=Reader+{index}+comment+{i}")
            with lock:
                times.append(elapsed)
                failures += status != 302

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(data["commenters"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, failures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    print("\n== Over HTTP: wethink and a Django hello-world under the same gunicorn")
    if not shutil.which("wrk"):
        print(WRK_MISSING)
        return
    database = serving.postgres_database("wethink_bench", os.environ.get("DATABASE_URL", ""))
    kind = "PostgreSQL"
    if database is None:
        database, kind = serving.sqlite_database("http"), "SQLite (no PostgreSQL answered)"
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    if not serving.redis_flushed(redis_url):
        redis_url = ""
    env = serving.production_env(
        database_url=database,
        redis_url=redis_url,
        WEB_CONCURRENCY=WORKERS,
        # The 20 commenters post faster than the per-minute limit allows a person.
        WETHINK_COMMENTS_PER_MINUTE="100000",
    )
    print(
        f"  database: {kind}; cache: {redis_url or 'local memory (no Redis answered)'}; "
        f"gunicorn workers: {WORKERS}; wrk -t1 -c{CONNECTIONS}, {SECONDS} s a run"
    )
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "wethink.settings"
    sys.path.insert(0, str(serving.ROOT))
    serving.manage(env, "collectstatic", "--noinput")
    serving.manage(env, "migrate", "--noinput")
    import django

    django.setup()
    data = build_data()
    if redis_url:
        serving.redis_flushed(redis_url)
    site_port, hello_port = serving.free_port(), serving.free_port()
    log = Path(serving.sqlite_database("log")[len("sqlite:///") :]).with_suffix(".log")
    hello_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.hello.settings"}
    with (
        serving.gunicorn("wethink.wsgi", env=env, port=site_port, log=log),
        serving.gunicorn("bench.hello.wsgi", env=hello_env, port=hello_port),
    ):
        # As a browser sends them once it has loaded a page with a form on it.
        reader, editor = (
            f"sessionid={data[who]}; csrftoken={secrets.token_hex(16)}"
            for who in ("reader", "editor")
        )
        thread = f"{data['busy']}p/{data['busy_pid']}/"
        pages = [
            ("demo chapter, anonymous", data["demo"], "", 1.0),
            ("300 blocks, 5,000 comments, anonymous", data["busy"], "", 1.0),
        ]
        if data["hgbook"]:
            path, blocks = data["hgbook"]
            pages.append((f"hgbook chapter ({blocks} blocks), anonymous", path, "", 1.0))
        pages += [
            ("demo chapter, signed in", data["demo"], reader, 0.40),
            ("300 blocks, 5,000 comments, signed in", data["busy"], reader, 0.40),
            ("thread (~17 comments)", thread, "", 0.30),
            ("contents", data["demo"].rsplit("/", 2)[0] + "/", "", 0.30),
            ("history", data["history"], "", 0.30),
            ("diff", data["diff"], "", 0.30),
            ("feedback queue, editor", "/feedback/", editor, 0.30),
        ]
        only = os.environ.get("BENCH_PAGES", "")
        if only:
            pages = [page for page in pages if any(w in page[0] for w in only.split(","))]
        print(f"  load average before: {load_average()}")
        print(f"  {'page':<40} {'req/s':>8} {'hello':>8} {'ratio':>6}  target")
        for name, path, cookie, target in pages:
            runs = []
            for _ in range(ROUNDS):
                hello, _, _ = wrk(hello_port, "/")
                rps, total, bad = wrk(site_port, path, cookie)
                runs.append((rps / hello, rps, hello, total, bad))
            ratio, rps, hello, total, bad = sorted(runs)[len(runs) // 2]
            verdict = "met" if ratio >= target else "NOT met"
            extra = f"  {bad} of {total} not 2xx/3xx" if bad else ""
            if ROUNDS > 1:
                extra += f"  (median of {', '.join(f'{run[0]:.2f}' for run in runs)})"
            print(
                f"  {name:<40} {rps:8.0f} {hello:8.0f} {ratio:6.2f}  "
                f">= {target:.2f} {verdict}{extra}"
            )
        print(f"  load average after: {load_average()}")
        if os.environ.get("BENCH_PAGES_ONLY"):
            return
        misses, served = cache_miss(site_port, data, log)
        server = (
            f"server time median {statistics.median(served) * 1000:.1f} ms, "
            f"max {max(served) * 1000:.1f} ms (target <= 20 ms)"
            if served
            else "server time not found in the server's log"
        )
        print(
            f"  first anonymous view of the 300-block chapter after a comment: {server}; "
            f"as the client saw it, median {statistics.median(misses) * 1000:.1f} ms, "
            f"max {max(misses) * 1000:.1f} ms"
        )
        times, failures = commenters_at_once(site_port, data)
        p99 = percentile(times, 0.99) * 1000
        print(
            f"  {COMMENTERS} commenters posting at once: {len(times)} comments, "
            f"p50 {percentile(times, 0.5) * 1000:.0f} ms, p99 {p99:.0f} ms "
            f"(target <= 300 ms), {failures} failed"
        )
    print(f"  server log: {log}")


if __name__ == "__main__":
    main()
