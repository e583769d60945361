# Every target sets up .venv itself, so a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench browser clean FORCE

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

test: $(STAMP) browser
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)

# The docs page's test opens it in Debian's chromium: installed here when missing, as root.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing and the docs-page test needs it: sudo apt-get install -y chromium"; \
	  fi; }

# The editable install is one type checkers can follow, so mypy checks the checkout itself.
lint: $(STAMP)
	$(BIN)/python -m mypy --strict -p hornbeam

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

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .hypothesis .coverage
