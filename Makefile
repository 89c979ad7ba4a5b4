# leadstage: `make demo` and `make test` work on a new machine (Python 3.11+ as python3).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast lint typecheck-tree format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("leadstage needs Python 3.11 or newer (set PYTHON=...)" if sys.version_info < (3, 11) else 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/leadstage demo

test: $(STAMP)
	$(BIN)/pytest -q

# The tests that start no process and are not the soak test, on two workers.
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not slow and not subprocess" -n 2

# mypy and lint-imports cannot follow setuptools' editable-install hooks, which map leadstage.mapping to ./mapping
# and so on; they read the same files through a small tree of links instead.
typecheck-tree:
	rm -rf build/typecheck && mkdir -p build/typecheck/leadstage
	for f in __init__.py __main__.py cli.py py.typed; do ln -s ../../../leadstage/$$f build/typecheck/leadstage/$$f; done
	for d in connectors mapping sync sandbox; do ln -s ../../../$$d build/typecheck/leadstage/$$d; done

# lint-imports checks the layers declared in pyproject.toml on a copy of that tree (it does not follow links).
lint: $(STAMP) typecheck-tree
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	rm -rf build/imports && mkdir -p build/imports && cp -rL build/typecheck/leadstage build/imports/leadstage
	cd build/imports && ../../$(BIN)/lint-imports --config ../../pyproject.toml

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
