# Byline: everything a newcomer needs. Only Python 3.11+ and make are assumed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
CONSTRAINTS := requirements/constraints.txt
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: help install install-dev run migrate demo superuser test test-fast test-postgres lint format lock audit backup restore bench bench-mail clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[dev,s3]'
	touch $@

install: $(STAMP) ## Create .venv and install Byline with its locked dependencies

install-dev: $(DEV_STAMP) ## Also install the development tools

.env:
	@sed "s/^DJANGO_SECRET_KEY=$$/DJANGO_SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')/" .env.example > .env
	@echo "Created .env from .env.example (development settings, fresh secret key)."

migrate: $(STAMP) .env ## Apply database migrations
	$(BIN)/python manage.py migrate --noinput

demo: migrate ## Load the demo writer and piece (idempotent)
	$(BIN)/python manage.py load_demo

run: demo ## Set up, migrate, load the demo and serve http://127.0.0.1:$(PORT) with a background worker
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile -p $(PORT)

superuser: migrate ## Create an admin login
	$(BIN)/python manage.py createsuperuser

test: $(DEV_STAMP) ## Run the whole suite (SQLite, or DATABASE_URL when set) with branch coverage
	$(BIN)/coverage run -m pytest $(PYTEST_ARGS); status=$$?; $(BIN)/coverage report; exit $$status

test-fast: $(DEV_STAMP) ## Run the suite without the slow tests (servers, browsers) on every core: under a minute
	$(BIN)/python -m pytest -m "not slow" -n auto $(PYTEST_ARGS)

test-postgres: ## Run the suite on the local PostgreSQL
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/byline} $(MAKE) test

lint: $(DEV_STAMP) ## ruff check and format, templates' indentation and line length, import contracts, migrations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check templates
	@! grep -rnE '^.{301,}$$' templates --include='*.html' || { echo "template lines over 300 characters (above)"; exit 1; }
	$(BIN)/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py makemigrations --check --dry-run

format: $(DEV_STAMP) ## Format and fix what ruff can, and indent the templates
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djhtml templates

bench: $(STAMP) ## Benchmark reader pages against their ceilings (needs wrk, nginx, PostgreSQL, Redis)
	@command -v wrk >/dev/null && command -v nginx >/dev/null || { \
		echo "make bench needs wrk and nginx: apt-get install -y wrk nginx"; exit 1; }
	$(BIN)/python -m bench.run

bench-mail: $(DEV_STAMP) ## 10,000 mails through two workers on PostgreSQL to a local SMTP sink
	$(BIN)/python -m bench.mail $(BENCH_ARGS)

lock: $(BIN)/python ## Re-resolve and pin every dependency into requirements/constraints.txt
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --upgrade pip && .venv-lock/bin/pip install --quiet -e '.[dev,s3]'
	.venv-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > $(CONSTRAINTS)
	rm -rf .venv-lock

audit: $(DEV_STAMP) ## Fail on a known vulnerability in the locked dependency set
	$(BIN)/pip-audit -r $(CONSTRAINTS) --no-deps --disable-pip --progress-spinner off

backup: $(STAMP) .env ## Back up the database and media into backups/
	$(BIN)/python scripts/backup.py $(BACKUP_ARGS)

restore: $(STAMP) .env ## Restore a backup into an empty database: make restore FILE=backups/….tar.gz [FORCE=1]
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/byline-….tar.gz [FORCE=1]"; exit 2; }
	$(BIN)/python scripts/restore.py "$(FILE)" $(if $(FORCE),--force)

clean: ## Remove the virtualenv, database, media and caches
	rm -rf $(VENV) db.sqlite3 media .test-media staticfiles .pytest_cache .coverage
