# The two commands: `make run` (serve the embedded setup) and `make test` (the whole suite).
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8000
HOST   ?= 127.0.0.1
BIN     = $(VENV)/bin
VENDOR  = app/web/static/vendor
CHROMIUM ?= /usr/bin/chromium
LIBREOFFICE ?= /usr/bin/soffice
SERIF_FONT  ?= /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf
PDF_PACKAGES = libreoffice-writer-nogui fonts-liberation2

.PHONY: run test lint setup bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --disable-pip-version-check -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --disable-pip-version-check -q -e '.[test]'
	touch $@

# bpmn-js for the case page's diagram and the analyst's modeler: from npm (pinned in web/package-lock.json),
# never committed.
$(VENDOR)/.installed: web/package.json web/package-lock.json Makefile
	cd web && npm ci --no-audit --no-fund
	rm -rf $(VENDOR)/bpmn-js && mkdir -p $(VENDOR)/bpmn-js
	cp web/node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js $(VENDOR)/bpmn-js/
	cp web/node_modules/bpmn-js/dist/bpmn-modeler.production.min.js $(VENDOR)/bpmn-js/
	cp -R web/node_modules/bpmn-js/dist/assets $(VENDOR)/bpmn-js/assets
	touch $@

# The browser tests drive Debian's chromium (Playwright cannot download its own browser here).
$(CHROMIUM):
	apt-get install -y chromium || (apt-get update && apt-get install -y chromium)

# The PDF tests convert the official documents with LibreOffice headless. Liberation Serif 2 stands in for the
# templates' Times New Roman (same metrics) and has the Vietnamese letters; fonts-liberation 1.x lacks ễ, ị, Ủ …
$(LIBREOFFICE) $(SERIF_FONT):
	apt-get install -y --no-install-recommends $(PDF_PACKAGES) || \
	  (apt-get update && apt-get install -y --no-install-recommends $(PDF_PACKAGES))

setup: $(VENV)/.installed $(VENDOR)/.installed
	$(BIN)/flask --app app setup

# The timer worker runs beside gunicorn and stops with it.
# gunicorn.conf.py reads WORKERS and THREADS (threaded workers, keep-alive; unset: its defaults for the
# machine's cores), so `make run WORKERS=8` passes them on. The metrics directory is made
# afresh on every run and shared by gunicorn's workers and the timer worker, so /metrics sums them all.
run: export WORKERS := $(WORKERS)
run: export THREADS := $(THREADS)
run: export PROMETHEUS_MULTIPROC_DIR ?= $(CURDIR)/instance/metrics
run: setup
	rm -rf "$$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$$PROMETHEUS_MULTIPROC_DIR"
	$(BIN)/flask --app app worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) 'app:create_app()'

lint: $(VENV)/.installed-test
	$(BIN)/ruff check app tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint $(VENDOR)/.installed $(CHROMIUM) $(LIBREOFFICE) $(SERIF_FONT)
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) instance *.egg-info web/node_modules $(VENDOR)
