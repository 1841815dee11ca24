import os
import re
import signal
import socket
import subprocess
import sys
import time

from tests.conftest import ROOT, run_manage


def test_production_settings_pass_the_deploy_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="a-very-long-random-production-secret-key-0123456789abcdefghijklmnop",
        ALLOWED_HOSTS="wethink.example.org",
        SITE_URL="https://wethink.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="false", ALLOWED_HOSTS="wethink.example.org")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_a_bad_boolean_is_a_clear_error():
    result = run_manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-very-long-random-production-secret-key-0123456789abcdefghijklmnop",
    "ALLOWED_HOSTS": "wethink.example.org",
}


def test_production_refuses_to_start_without_a_site_url():
    result = run_manage("check", **PRODUCTION)
    assert result.returncode != 0
    assert "Set SITE_URL" in result.stderr
    result = run_manage("check", **PRODUCTION, SITE_URL="wethink.example.org")
    assert result.returncode != 0 and "Set SITE_URL" in result.stderr


def test_every_setting_read_from_the_environment_is_in_env_example():
    read = set()
    for source in ("wethink/settings.py", "wethink/gunicorn.conf.py"):
        text = (ROOT / source).read_text()
        read |= set(
            re.findall(r"""(?:environ\.get|env_bool|env_list)\(\s*['"]([A-Z_]+)['"]""", text)
        )
    assert {"SITE_URL", "HOST", "WETHINK_TRUSTED_PROXIES", "AXES_FAILURE_LIMIT"} <= read
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read - documented == set()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_runs_without_a_control_socket(tmp_path):
    """Two instances on one host would share ~/.gunicorn/gunicorn.ctl; none is made."""
    log = tmp_path / "gunicorn.log"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DEBUG"},
        "HOME": str(tmp_path),
        "PORT": str(free_port()),
        "WEB_CONCURRENCY": "1",
    }
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "wethink/gunicorn.conf.py", "wethink.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while "Booting worker" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    text = log.read_text()
    assert "Booting worker" in text, text
    assert "Control socket" not in text
    assert not (tmp_path / ".gunicorn").exists()


def test_outside_the_browser_tests_django_still_guards_async_code():
    """Only the browser tests, which run last, tell Django that ORM calls made while
    Playwright's event loop runs are safe (tests/browser/conftest.py)."""
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ
