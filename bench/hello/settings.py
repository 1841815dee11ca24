"""The smallest Django project: the yardstick `bench.http` measures wethink against.

One view, no apps, no middleware, production settings: what Django and gunicorn
cost before the application does anything.
"""

SECRET_KEY = "bench-hello-world-not-a-site"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.hello.urls"
WSGI_APPLICATION = "bench.hello.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_TZ = True
