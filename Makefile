# Two commands set everything up on a fresh clone: `make build` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: build pdf test serve check clean bench

# (Re)install only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/report build

# Only the PDF, to site/downloads/ (`report pdf --out PATH` writes it elsewhere).
pdf: $(STAMP)
	$(BIN)/report pdf

check: $(STAMP)
	$(BIN)/report check

# The browser tests' pinned tools (axe-core, the Nu Html Checker), reinstalled when the lock changes.
# --ignore-scripts: vnu-jar's install script would download a Java; the machine's own Java runs it.
node_modules/.installed: package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

test: $(STAMP) node_modules/.installed
	$(BIN)/python -m pytest

# What the build costs and how it grows (issue #7): synthetic projects of 200 and 2,000 vignettes, a
# default Material build, the report's own build and PDF. About a quarter of an hour; not part of
# `make test`. Results and method: BENCHMARKS.md; options: $(BIN)/python bench/run.py --help
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Live preview: problems in the sources are listed on every page instead of stopping the server.
serve: $(STAMP)
	$(BIN)/mkdocs serve --no-strict

clean:
	rm -rf site .cache $(VENV) .pytest_cache node_modules
