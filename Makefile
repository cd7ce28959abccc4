# The README's commands. Everything lives in .venv beside this file and the data in ./var,
# whatever the checkout's directory is called; every target can be run again.
PYTHON ?= python3
VENV := $(CURDIR)/.venv
UV_VERSION := 0.13.8
export SERVICEHALL_DATA_DIR ?= $(CURDIR)/var
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test bench bench-streams outage lint install install-test serve trace js

$(VENV)/bin/uv:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check uv==$(UV_VERSION)

install: $(VENV)/bin/uv js
	$(VENV)/bin/uv sync --frozen --quiet --no-extra test

install-test: $(VENV)/bin/uv js
	$(VENV)/bin/uv sync --frozen --quiet --extra test

# The JavaScript the pages serve from our own static files (no CDN): npm installs the versions
# package-lock.json pins, and the built files are copied where whitenoise serves them
# (/static/vendor/…, git-ignored). Without npm the report's charts are missing (a warning).
JS_VENDOR := src/servicehall/web/static/vendor
js:
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --loglevel=error && \
	  mkdir -p $(JS_VENDOR)/echarts && \
	  cp node_modules/echarts/dist/echarts.min.js $(JS_VENDOR)/echarts/echarts.min.js; \
	else \
	  echo "WARNING: npm not found (apt-get install nodejs npm): the report's charts are missing"; \
	fi

demo: install
	$(VENV)/bin/servicehall demo

serve: install
	$(VENV)/bin/servicehall serve

test: install-test
	$(VENV)/bin/ruff check src tests benchmarks tools
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/python tools/trace.py --check >/dev/null
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: install-test
	$(VENV)/bin/python benchmarks/queue_day.py $(BENCH_ARGS)

# Taking a number, a case page and the board with 200 live streams open on one process.
bench-streams: install-test
	$(VENV)/bin/python benchmarks/streams.py $(BENCH_ARGS)

# The database away 10 s, Redis killed, a server process killed mid-write (PostgreSQL:
# DATABASE_URL=postgres://…; a fresh database beside it, a redis-server of its own).
outage: install-test
	$(VENV)/bin/python tools/outage.py

lint: install-test
	$(VENV)/bin/ruff check src tests benchmarks tools
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff format --check src tests benchmarks tools

# The requirement → module → test map (docs/TRACE.md), from the test names; IDs with no test listed.
trace: install-test
	$(VENV)/bin/python tools/trace.py --markdown docs/TRACE.md
	$(VENV)/bin/python tools/trace.py
