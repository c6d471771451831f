# Yingji — the two commands of the README, and the rest.
#   make demo   set up everything, generate the demo district, serve on http://127.0.0.1:8000
#   make test   set up everything, then lint, migration check and the whole test suite
#   make bench  run every benchmark in bench/ (slow; prints figures beside their baselines)

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: setup demo test bench lint browser-deps pdf-deps messages clean

# Translation catalogues: the project's (yingji/locale) and one per app that keeps its own
# (yingji/<app>/locale), so that apps add strings without touching a shared file.
PO_FILES := $(shell find yingji -path '*/locale/zh_Hans/LC_MESSAGES/django.po')
MO_FILES := $(PO_FILES:.po=.mo)
OWN_CATALOGUE_APPS := $(patsubst yingji/%/locale,%,$(wildcard yingji/*/locale))

setup: $(VENV)/.installed node_modules/.installed $(MO_FILES) pdf-deps

# Python packages, pinned by requirements.lock (regenerate it with `make lock`).
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c requirements.lock -e '.[dev]'
	touch $@

# Front-end packages from the npm registry, served by the app itself (no CDN).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Compiled translations (zh-hans is the default language).
%/LC_MESSAGES/django.mo: %/LC_MESSAGES/django.po $(VENV)/.installed
	$(PY) -m yingji.core.i18n_compile $< $@

lock:
	$(PIP) freeze --exclude-editable | grep -v '^-e' > requirements.lock

demo: setup
	$(PY) -m yingji.cli migrate --noinput -v0
	$(PY) -m yingji.cli demo-data --scale futian --if-empty
	@echo ""
	@echo "Serving Yingji on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	DEBUG=$${DEBUG:-0} $(PY) -m yingji.cli serve --host $(HOST) --port $(PORT)

# Headless Chromium for the browser tests, from Debian (Playwright's own download does not work offline).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; }

# WeasyPrint (the daily duty report's printable PDF) draws text with Pango and needs a CJK font for
# Chinese: installed from Debian when the libraries or the fonts are missing.
pdf-deps:
	@{ /sbin/ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' && fc-list :lang=zh 2>/dev/null | grep -q . ; } || { \
	  echo "Installing Pango and the Noto CJK fonts for the PDF reports"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
	    fonts-noto-cjk >/dev/null; }

lint: setup
	$(VENV)/bin/ruff check yingji bench
	YINGJI_TESTING=1 $(PY) manage.py makemigrations --check --dry-run -v0

test: setup browser-deps lint
	$(VENV)/bin/pytest -m "not slow" -n 2 $(PYTEST_ARGS)

bench: setup
	@set -e; for script in bench/*.py; do \
	  case $$script in bench/_*) continue;; esac; \
	  echo "== $$script"; $(PY) $$script; done

# Refresh every catalogue's msgids: the project's, and each app's own (an app gets one with
# `mkdir -p yingji/<app>/locale` before the first run); then fill in the msgstr lines.
messages: setup
	cd yingji && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete --ignore 'node_modules/*' \
	  $(foreach app,$(OWN_CATALOGUE_APPS),--ignore '$(app)/*')
	@set -e; for app in $(OWN_CATALOGUE_APPS); do \
	  (cd yingji/$$app && env -u DJANGO_SETTINGS_MODULE ../../$(VENV)/bin/django-admin makemessages \
	     -l zh_Hans --no-obsolete); done

clean:
	rm -rf $(VENV) node_modules var/test.sqlite3
