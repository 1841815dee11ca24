"""gunicorn settings for `make serve`; each value can be overridden from the environment."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
accesslog = "-"
# gunicorn's usual line, ending with the time the request took in microseconds.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
errorlog = "-"
timeout = 30
# gunicorn 25.1+ opens a control socket at ~/.gunicorn/gunicorn.ctl; a second
# instance on the same host takes that path over and removes it on exit, so it
# is off (restart and reload with signals, as before).
control_socket_disable = True


def _without_server_header():
    """gunicorn writes `Server: gunicorn` on every response and has no setting to
    turn it off; the workers are forked from this process, so they inherit this."""
    from gunicorn.http import wsgi

    default_headers = wsgi.Response.default_headers

    def headers(self):
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    wsgi.Response.default_headers = headers


_without_server_header()
