# Zhili: the commands a developer, CI and a new user run. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ZHILI := $(BIN)/zhili
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
HOST ?= 127.0.0.1:8000
TIPDM := data/tipdm2020c

.DEFAULT_GOAL := help
.PHONY: help install demo demo-data serve test test-sqlite test-postgres lint browser-setup fonts bench-assessment clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 20

install: $(VENV)/.installed ## create .venv/ and install Zhili with its test tools

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

demo-data: install ## migrate SQLite, load Lixia, taxonomy, calendar, demo knowledge base, train, import ~10,400 real messages (those without a reply as archived history), demo users and a day of their work
	$(ZHILI) migrate --verbosity 0
	$(ZHILI) calendar seed
	$(ZHILI) load-taxonomy
	$(ZHILI) load-district lixia --demo-aliases
	$(ZHILI) load-knowledge --demo
	$(ZHILI) train-classifier --if-missing
	$(ZHILI) import-requests $(TIPDM)/fj2_sample_labeled.csv.xz --source tipdm-fj2-sample --history
	$(ZHILI) import-requests $(TIPDM)/fj2_test_unlabeled.csv.xz --source tipdm-fj2-test --history
	$(ZHILI) import-requests $(TIPDM)/fj3_messages_votes.csv.xz --source tipdm-fj3-votes --history
	$(ZHILI) import-requests $(TIPDM)/fj4_messages_replies.csv.xz --source tipdm-fj4-replies
	$(ZHILI) create-demo-users
	$(ZHILI) demo-activity
	$(ZHILI) refresh-rollups
	$(ZHILI) stats

demo: demo-data serve ## everything demo-data does, then serve on http://127.0.0.1:8000

serve: install ## serve the site on $(HOST) with the task worker (cards, reminders) beside it
	@echo "Zhili 已启动：http://$(HOST)/  （Ctrl-C 停止）"
	@$(ZHILI) run_huey --quiet & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(ZHILI) runserver --insecure $(HOST)

test: lint test-sqlite test-postgres ## every gate and every test, on SQLite and on PostgreSQL

lint: install ## ruff, Django's checks, no missing migrations, committed OpenAPI schema up to date
	$(BIN)/ruff check src tests benchmarks
	ZHILI_VAR_DIR=$$(mktemp -d) $(ZHILI) check --fail-level WARNING
	ZHILI_VAR_DIR=$$(mktemp -d) $(ZHILI) makemigrations --check --dry-run
	ZHILI=$(ZHILI) scripts/check-openapi-schema.sh

# The browser tests (tests/browser/, Playwright + Debian's chromium) run in the SQLite pass only:
# they test the pages, which do not depend on the database engine, and the suite must run twice
# on 2 cores within CI's time. A missing browser is installed first; if that fails, so does the run.
browser-setup: ## install Debian's chromium (and CJK fonts) for the browser tests when missing
	scripts/browser-setup.sh

# The monthly PDF report needs Chinese fonts (Debian fonts-noto-cjk) and Pango; a fresh machine
# gets them from apt-get through this target, which the test targets call (nothing is fetched at run time).
fonts: ## install the CJK fonts and Pango for the PDF report (apt-get) when missing
	scripts/ensure-fonts.sh

test-sqlite: install browser-setup fonts ## the test suite on SQLite, browser tests included
	$(BIN)/pytest -q

test-postgres: install fonts ## the test suite on PostgreSQL, without the browser tests (server started if needed; in CI a missing one fails)
	@scripts/ensure-postgres.sh; rc=$$?; \
	if [ $$rc -eq 2 ]; then echo "!!! PostgreSQL 测试未运行（ZHILI_SKIP_POSTGRES=1）"; exit 0; fi; \
	[ $$rc -eq 0 ] || exit 1; \
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q --ignore=tests/browser

COUNT ?= 10000000
bench-assessment: install ## rankings and dashboard at scale: COUNT (10M) synthetic orders in a PostgreSQL database of its own
	@scripts/ensure-postgres.sh
	$(BIN)/python benchmarks/assessment_scale.py --count $(COUNT)

clean: ## remove the virtualenv and local data (var/)
	rm -rf $(VENV) var
