# wethink: `make run` to try it, `make test` to check it.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The first interpreter that is Python 3.12 or newer.
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	echo $$p; break; fi; done)

.PHONY: run test serve lint bench bench-http loadtest venv clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then \
		echo "wethink needs Python 3.12 or newer (python3.13 or python3.12 on the PATH)."; \
		echo "Install one, e.g. 'pyenv install 3.13' or your system's python3.13 package."; \
		exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: venv
	$(VENV)/bin/pytest $(PYTEST_ARGS)

serve: venv
	DEBUG=false $(PY) manage.py collectstatic --noinput
	DEBUG=false $(PY) manage.py migrate --noinput
	@# gunicorn and the task worker (email, the admin's exports and imports): bin/serve
	DEBUG=false VENV=$(VENV) bin/serve

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

bench: venv
	$(PY) -m bench
	@$(MAKE) --no-print-directory bench-http

# wrk (Debian's package) loads the servers; installed here when run as root.
bench-http: venv
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || apt-get install -y -qq wrk >/dev/null \
		|| { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m bench.http

# 200 readers and 20 commenters for 60 s against make serve (LOADTEST_* to change).
loadtest: venv
	$(PY) -m bench.loadtest

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
