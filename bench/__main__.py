"""`make bench`: every benchmark, each printing its figures.

`python -m bench --only anchoring_hgbook moves` runs just the named ones.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

BENCHMARKS = ("anchoring_hgbook", "moves", "hgbook_import", "pages", "comments", "feedback")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    only = parser.parse_args().only
    # Benchmarks write a throwaway database, never the development one.
    workdir = Path(tempfile.mkdtemp(prefix="wethink-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wethink.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    # Mail goes to memory and responses carry their template context, as in tests.
    setup_test_environment()

    call_command("migrate", verbosity=0)

    import importlib

    for name in BENCHMARKS:
        if name in only:
            importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main()
