"""`manage.py send_digests`: make and queue every digest that is due.

Run it from cron (hourly or daily), or let `bin/serve` run it with `--every`.
Running it twice, or twice at once, sends nothing twice."""

import logging
import signal
import time

from django.core.management.base import BaseCommand

from notices.digests import digests_make

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Email each watcher a digest of what changed in what they watch (at most daily)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running, making the digests due every SECONDS (0: once, then exit).",
        )

    def handle(self, *args, every: int, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        if every:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while True:
            if not every:
                made = digests_make()
            else:
                try:
                    made = digests_make()
                except Exception:
                    # The database away for a moment: try again next round rather
                    # than stop the site's other processes (bin/serve).
                    log.exception("digests not made this round")
                    made = []
            if options["verbosity"]:
                self.stdout.write(f"{len(made)} digest(s) queued")
            if not every:
                return
            waited = 0
            while waited < every and not stopping:
                time.sleep(1)
                waited += 1
            if stopping:
                return
