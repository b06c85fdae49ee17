# cnum — the developer and user interface. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.installed-test
DEPS := pyproject.toml requirements/constraints.txt
# manage.py and the WSGI application default to the production settings; `make run` and `make demo` use the
# demo's (DEBUG off, DSFR error pages, a secret key made for this installation in var/). SETTINGS=config.settings.dev
# for the debug pages.
SETTINGS ?= config.settings.demo
DEMO := DJANGO_SETTINGS_MODULE=$(SETTINGS)

.DEFAULT_GOAL := help
.PHONY: help run demo test quality bench install install-test clean screenshots

help: ## Liste des commandes
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "cnum needs Python 3.11")'
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): $(BIN)/python $(DEPS)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements/constraints.txt -e .
	@touch $@

$(TEST_INSTALLED): $(INSTALLED)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements/constraints.txt -e ".[test]"
	@touch $@

install: $(INSTALLED) ## Installe l'application dans .venv

install-test: $(TEST_INSTALLED) ## Installe aussi les outils de test

# collectstatic compresses every file (≈ 15 s): only when the project's static files or the installed packages changed.
COLLECTED := $(or $(CNUM_VAR_DIR),var)/static/.collected
$(COLLECTED): $(INSTALLED) $(shell find static -type f 2>/dev/null)
	$(DEMO) $(MANAGE) collectstatic --noinput -v 0
	@touch $@

run: $(INSTALLED) ## Prépare la base SQLite, charge les données et sert sur http://127.0.0.1:$(PORT)
	@mkdir -p var
	$(DEMO) $(MANAGE) migrate --noinput -v 0
	$(DEMO) $(MANAGE) load_territories --if-empty
	$(DEMO) $(MANAGE) load_funding_reference --if-empty
	$(DEMO) $(MANAGE) demo --if-empty
	$(DEMO) $(MANAGE) demo_accounts
	@$(MAKE) --no-print-directory $(COLLECTED)
	@echo "cnum est servi sur http://127.0.0.1:$(PORT), avec son service de tâches de fond  (Ctrl+C pour arrêter)"
	@# The task worker runs beside gunicorn and stops with it (Ctrl+C, or gunicorn ending): the trap sends it SIGTERM,
	@# twice, so that a task still running is rolled back and resumed at the next start (docs/adr/0007).
	@$(DEMO) $(MANAGE) tasks_worker --no-reload -v 0 & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; sleep 0.5; kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEMO) $(BIN)/gunicorn config.wsgi --config config/gunicorn.conf.py --bind 127.0.0.1:$(PORT) --workers 2 --log-level warning

demo: $(INSTALLED) ## Remet la base à zéro et recharge les données de démonstration
	@mkdir -p var
	$(DEMO) $(MANAGE) migrate --noinput -v 0
	$(DEMO) $(MANAGE) demo --reset
	$(DEMO) $(MANAGE) demo_accounts

quality: $(TEST_INSTALLED) ## ruff, format, migrations manquantes, contrat de couches
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run
	$(BIN)/lint-imports

CHROMIUM ?= /usr/bin/chromium

test: quality ## Qualité puis suite de tests complète
	@test -x $(CHROMIUM) || { \
	  echo "********************************************************************************"; \
	  echo "ATTENTION : Chromium est absent ($(CHROMIUM)) : les tests dans le navigateur seront"; \
	  echo "SAUTÉS. Pour les lancer : sudo apt-get install chromium"; \
	  echo "********************************************************************************"; }
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(TEST_INSTALLED) ## Mesures de performance (BENCH_SCALE=smoke|quick|national ; résultats dans bench/results/)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements/constraints.txt -e ".[test,bench]"
	$(BIN)/python -m bench --scale $${BENCH_SCALE:-quick}

screenshots: $(TEST_INSTALLED) ## Captures d'écran des pages principales dans docs/screenshots/
	$(BIN)/python tools/screenshots.py

clean: ## Supprime .venv et la base locale
	rm -rf $(VENV) var/cnum.sqlite3*
