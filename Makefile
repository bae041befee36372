# The two commands of the contract: `make run` and `make test` (see README).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.txt | cksum | cut -d' ' -f1)
# Export the database URL that scripts/dev_db.py chooses or provisions.
WITH_DB = export DATABASE_URL="$$($(PY) scripts/dev_db.py)";
# Tests run with production-like settings, minus the HTTPS redirect (the test client speaks HTTP).
TEST_ENV = DJANGO_DEBUG=0 DJANGO_SECURE_SSL_REDIRECT=0 \
	DJANGO_SECRET_KEY=test-only-secret-key-not-for-production-use-0123456789abcdef \
	DJANGO_ALLOWED_HOSTS=testserver,localhost,127.0.0.1

.PHONY: run test lint install clean-venv lighthouse-tools lighthouse

install: $(STAMP)

$(STAMP):
	@python=$$(scripts/find-python); \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
		rm -rf $(VENV); echo "creating $(VENV) with $$python"; $$python -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	rm -f $(VENV)/.installed-*; touch $@

run: install
	@$(WITH_DB) export DJANGO_DEBUG="$${DJANGO_DEBUG:-1}"; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py seed_demo --appointments; \
	$(PY) manage.py collectstatic --noinput --verbosity 0; \
	exec $(PY) scripts/serve.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install lint
	@$(WITH_DB) \
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run; \
	DJANGO_DEBUG=1 $(PY) manage.py collectstatic --noinput --verbosity 0; \
	$(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

# Benchmark-only: Lighthouse 12.2.3 pinned in package-lock.json, installed exactly as locked.
lighthouse-tools:
	npm ci --ignore-scripts --no-audit --no-fund

lighthouse: install lighthouse-tools
	@$(WITH_DB) $(PY) bench/lighthouse.py

clean-venv:
	rm -rf $(VENV)
