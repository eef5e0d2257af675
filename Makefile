# Varde: `make run` serves the app, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
WORKERS ?= 3
PLAN ?= varde/plan/content/lunner.yaml
DEMO ?=
PYTEST_ARGS ?=
# Test processes (pytest-xdist).
TEST_WORKERS ?= auto
export SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: bench screenshots run test install install-test system-test-deps setup migrate messages proofs security-figures clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

# One resolution for the app and its test tools: a fresh clone installs once, not twice.
$(VENV)/.installed-test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(VENV)/.installed $@

# The OpenID Connect provider the login tests run against (npm oidc-provider).
tests/oidc/node_modules/.installed: tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test system-test-deps tests/oidc/node_modules/.installed

# Chromium for browser tests, WeasyPrint's libraries and fonts for PDFs,
# poppler for reading PDFs back, faketime for trying the app at another hour, Node.js for
# the OpenID Connect provider the login tests use, RabbitMQ for the Fiks IO tests' message queue.
SYSTEM_PACKAGES := chromium nodejs libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig \
	fonts-dejavu-core fonts-liberation2 poppler-utils gettext
system-test-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages: $$missing"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@# The Fiks IO tests read the archive's replies from a local message queue (AMQP on
	@# 127.0.0.1:5672, user guest): use the one running, or install and start RabbitMQ.
	@if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		dpkg -s rabbitmq-server >/dev/null 2>&1 || { $$SUDO apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq rabbitmq-server >/dev/null; }; \
		$$SUDO service rabbitmq-server start >/dev/null 2>&1 || $$SUDO rabbitmq-server -detached; \
		for i in $$(seq 30); do (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break; sleep 1; done; \
	fi

setup: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_plan $(PLAN)
	$(PY) manage.py collectstatic --noinput -v0
	@if [ -n "$(DEMO)" ]; then $(PY) manage.py load_demo; fi
	$(PY) manage.py ensure_admin
	$(PY) manage.py periodic --schedule

run: setup
	@echo "Varde on http://127.0.0.1:$(PORT)  (Ctrl-C stops the app and its worker)"
	@$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn varde.wsgi --bind 127.0.0.1:$(PORT) --workers $(WORKERS) \
		--access-logfile - --forwarded-allow-ips 127.0.0.1 \
		--logger-class varde.questions.accesslog.PupilSafeLogger

# Load one scale of generated data, serve it with gunicorn and drive it with locust:
# SCALE=municipality|county|national USERS=50 DURATION=60s [DATABASE_URL=postgres://...]
bench: $(VENV)/.installed-bench
	$(PY) bench/run.py

$(VENV)/.installed-bench: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e ".[bench]"
	touch $@

test: install-test
	$(PY) manage.py compilemessages -v0 --ignore=.venv
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The proofs of docs/quality.md at full counts, then one table of their figures. Each line of
# the file names the commit it ran on and whether it ran at full counts; the table refuses
# light lines and lines of other commits. With DATABASE_URL=postgres://... the figures go to
# var/proofs-postgresql.jsonl, otherwise to var/proofs-sqlite.jsonl.
PROOFS_DATABASE := $(if $(findstring postgres,$(DATABASE_URL)),postgresql,sqlite)
PROOFS_FILE := var/proofs-$(PROOFS_DATABASE).jsonl
proofs: install-test
	$(PY) manage.py compilemessages -v0 --ignore=.venv
	@mkdir -p var && rm -f $(PROOFS_FILE)
	-VARDE_PROOFS_FULL=1 VARDE_PROOFS_FILE=$(CURDIR)/$(PROOFS_FILE) $(PY) -m pytest -q -m proof $(PYTEST_ARGS)
	@$(PY) tests/proofs/summary.py $(PROOFS_FILE)

# SECURITY.md's figures, from both proof files of the commit checked out (clean tree):
#   make proofs && make proofs DATABASE_URL=postgres://... && make security-figures
security-figures:
	$(PY) tests/proofs/security_figures.py var/proofs-sqlite.jsonl var/proofs-postgresql.jsonl --write SECURITY.md

screenshots: install-test
	$(PY) -m pytest -q tests/browser/screenshots.py

messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
