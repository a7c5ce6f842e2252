# Two commands set everything up on a fresh clone: `make build` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Material for MkDocs prints an end-of-life notice whenever `mkdocs` starts; it says nothing about the report.
export NO_MKDOCS_2_WARNING := 1

.PHONY: build pdf test test-all serve preview check clean bench build-deps test-deps

# What the build and the tests need from the system beyond Python (tools/system_deps.py): installed with
# apt-get when missing and make runs as root on Debian or Ubuntu; otherwise make stops here, naming the
# command to run.
build-deps:
	@$(PYTHON) tools/system_deps.py build

test-deps:
	@$(PYTHON) tools/system_deps.py test

# (Re)install only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | build-deps
	@echo "make: installing the generator and its Python dependencies into $(VENV)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# -qq: errors only, not setuptools' note that comes with every editable install
	$(BIN)/python -m pip install -qq -e '.[test]'
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
node_modules/.installed: package-lock.json | test-deps
	@echo "make: installing axe-core and the Nu Html Checker (package-lock.json) into node_modules"
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# The tests on every core (pytest-xdist), with pytest's progress; the tests marked with one xdist_group
# (those that read the same visit of every page in Chromium, those that read the PDF) on one worker. Those
# marked slow (the scaling checks, most of the fuzzing's mutations) are left out, except in CI (CI=true);
# `make test-all` runs them too. PYTEST_ARGS adds to pytest's arguments, e.g. PYTEST_ARGS='-k pdf'.
PYTEST := $(BIN)/python -m pytest -n auto --dist loadgroup
test: test-deps $(STAMP) node_modules/.installed
	$(PYTEST) $(if $(filter true,$(CI)),,-m 'not slow') $(PYTEST_ARGS)

test-all: test-deps $(STAMP) node_modules/.installed
	$(PYTEST) $(PYTEST_ARGS)

# What the build costs and how it grows (issue #7): synthetic projects of 200 and 2,000 vignettes, a
# default Material build, the report's own build and PDF. About a quarter of an hour; not part of
# `make test`. Results and method: BENCHMARKS.md; options: $(BIN)/python bench/run.py --help
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Live preview: problems in the sources are listed on every page instead of stopping the server.
serve: $(STAMP)
	$(BIN)/mkdocs serve --no-strict

# The site as `make build` wrote it, at http://127.0.0.1:8000/ (its pages link to folders, which a
# browser opening files from disk shows as directory listings).
preview:
	@test -f site/index.html || { echo "make preview: no site/ yet; run make build first" >&2; exit 1; }
	$(PYTHON) -m http.server --bind 127.0.0.1 --directory site 8000

clean:
	rm -rf site .cache $(VENV) .pytest_cache node_modules
