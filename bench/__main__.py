"""`make bench`: every benchmark, each printing its figures."""

import os
import sys
import tempfile
from pathlib import Path


def main() -> None:
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

    from bench import anchoring_hgbook, comments, feedback, hgbook_import, pages

    anchoring_hgbook.main()
    hgbook_import.main()
    pages.main()
    comments.main()
    feedback.main()


if __name__ == "__main__":
    main()
