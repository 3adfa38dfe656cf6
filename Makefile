# CryptoPulse. `make run` sets everything up and starts the stack; `make test` runs the suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
# Benchmark only, never a project dependency (GPL): freqtrade in its own venv for `make crosscheck`.
FREQTRADE_VERSION := 2026.9
FT_VENV := .venv-freqtrade
FT_PYTHON ?= python3.11
FT_PY := $(FT_VENV)/bin/python
OHLCV ?= ../shared/data/ohlcv

.PHONY: help setup run test lint fmt typecheck djangocheck pytest clean distclean \
	web ws worker beat sim feed stop migrate seed assets freqtrade-venv crosscheck

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

# --- Set-up: each step reruns only when its inputs change ---------------------------------------
$(PY):
	$(PYTHON) -m venv $(VENV)

$(BIN)/uv: $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(BIN)/uv pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --inexact --python $(PY)
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static/vendor/.copied: node_modules/.installed
	mkdir -p static/vendor/htmx static/vendor/pico static/vendor/lightweight-charts
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cp node_modules/@picocss/pico/css/pico.min.css static/vendor/pico/
	cp node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.js \
		static/vendor/lightweight-charts/
	touch $@

setup: $(VENV)/.synced static/vendor/.copied ## Create the venv, install locked deps and front-end assets

assets: static/vendor/.copied ## Install npm packages and copy them into static/vendor

# --- Running -------------------------------------------------------------------------------------
run: setup ## Set up, migrate, seed demo data, start web, ws, worker, beat, sim, feed (Ctrl-C stops all)
	$(PY) -m cryptopulse.stack

web: setup ## Start only the web process (gunicorn) on PORT (8000)
	$(BIN)/gunicorn --config python:cryptopulse.gunicorn_conf cryptopulse.wsgi:application

ws: setup ## Start only the websocket process (uvicorn) on WS_PORT (8001)
	$(BIN)/uvicorn cryptopulse.asgi:application --host 127.0.0.1 --port $${WS_PORT:-8001} \
		--log-config cryptopulse/uvicorn_logging.json

worker: setup ## Start only a Celery worker on every queue
	$(BIN)/celery -A cryptopulse worker --loglevel INFO --queues default,bots,screening,reports

beat: setup ## Start only celery beat (database scheduler)
	$(BIN)/celery -A cryptopulse beat --loglevel INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler

sim: setup ## Start only the loopback exchange simulator on SIM_EXCHANGE_PORT (8010)
	$(PY) -m trading.exchanges.simulator --port $${SIM_EXCHANGE_PORT:-8010}

feed: setup ## Start only the live market feed (tickers and candles to the websockets)
	$(MANAGE) run_market_feed

migrate: setup ## Apply database migrations
	$(MANAGE) migrate --noinput

seed: setup ## Create the demo users (development only)
	$(MANAGE) seed_demo

stop: ## Stop the embedded PostgreSQL and Redis under .run/
	@if [ -x $(PY) ]; then $(PY) -c "from cryptopulse.embedded import stop_engines; print('stopped:', stop_engines() or 'nothing running')"; fi

# --- Quality -------------------------------------------------------------------------------------
lint: setup ## ruff check, ruff format --check, djLint on templates
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint

fmt: setup ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: setup ## mypy with the Django and DRF plugins
	$(BIN)/mypy .

djangocheck: setup ## manage.py check and the missing-migrations check
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run

pytest: setup ## Only the pytest suite (with coverage)
	$(BIN)/pytest

test: lint typecheck djangocheck pytest ## Everything CI runs: lint, types, Django checks, tests + coverage

# --- Benchmarks (on demand, not part of `make test` / CI) ----------------------------------------
$(FT_VENV)/.installed:
	$(FT_PYTHON) -m venv $(FT_VENV)
	$(FT_PY) -m pip install --quiet --disable-pip-version-check freqtrade==$(FREQTRADE_VERSION)
	touch $@

# ~40 s with a warm pip cache (minutes cold), ~770 MB: freqtrade pulls ccxt, pandas, TA-Lib, ...
freqtrade-venv: $(FT_VENV)/.installed ## freqtrade (pinned, PyPI) in .venv-freqtrade/ for the cross-check

crosscheck: setup freqtrade-venv ## Diff freqtrade's SampleStrategy vs our rsi_bb_tema (OHLCV=data dir)
	$(PY) benchmarks/freqtrade_crosscheck.py --data $(OHLCV) --freqtrade-python $(FT_PY)

# --- Cleaning ------------------------------------------------------------------------------------
clean: stop ## Stop the engines and delete .run/ (all local data), caches and collected assets
	rm -rf .run staticfiles static/vendor .pytest_cache .mypy_cache .ruff_cache .coverage coverage.xml htmlcov

distclean: clean ## Also delete the venvs and node_modules
	rm -rf $(VENV) $(FT_VENV) node_modules
