import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wethink.settings")

django_application = get_wsgi_application()

from wethink.pagecache import PageCacheApp  # noqa: E402 - needs the settings above

# Anonymous readers' stored pages are answered before Django's request handling.
application = PageCacheApp(django_application)
