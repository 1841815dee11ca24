import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wethink.settings")

import django

django.setup(set_prefix=False)

from pages.shortcut import SignedInChapterShortcut  # noqa: E402 - needs the settings above
from wethink.handler import ShortcutHandler  # noqa: E402
from wethink.pagecache import PageCacheApp  # noqa: E402

# A signed-in reader's chapter page made of kept parts is answered before Django's
# middleware (pages.shortcut); everything else goes through the whole stack.
django_application = ShortcutHandler(SignedInChapterShortcut())

# Anonymous readers' stored pages are answered before Django's request handling.
application = PageCacheApp(django_application)
