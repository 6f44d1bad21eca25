# dlcards: the README's commands. `make run` and `make test` do all the set-up they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint check-content bench vendor clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(STAMP)  ## install, migrate, load the bank, serve on http://127.0.0.1:8000
	$(BIN)/dlcards serve

test: $(TEST_STAMP) lint  ## install test deps, lint, run every test (browser tests when Chromium is present)
	$(BIN)/dlcards content check
	$(BIN)/pytest
	@# Again on PostgreSQL when a server is given (scripts/with-postgres.sh make test); the
	@# browser tests ran above and are not about the database, so they run once.
	@if [ -n "$$DLCARDS_TEST_POSTGRES_URL" ]; then \
	  echo "== the suite again, on PostgreSQL =="; \
	  DLCARDS_TEST_BACKEND=postgres $(BIN)/pytest --ignore=tests/browser -m "not browser"; \
	fi

lint: $(TEST_STAMP)  ## ruff, then mypy (strict on app/, config in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(TEST_STAMP)  ## benchmarks: numbers printed, not asserted
	$(BIN)/python bench/http_pages.py
	$(BIN)/python bench/page_weight.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/demos.py
	$(BIN)/python bench/matcher_eval.py
	$(BIN)/python -m bench.study_bench --scaling 10000,100000,1000000
	$(BIN)/python bench/http_pages.py --db data/bench-1000000.db

vendor:  ## re-fetch static/vendor from npm and verify SHA256SUMS
	bash scripts/vendor.sh

clean:
	rm -rf $(VENV) data .pytest_cache
