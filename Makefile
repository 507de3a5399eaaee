# Two commands for a newcomer: `make run` and `make test`. Both install what they need into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install browser ocr run test lint typecheck pytest demo clean

$(STAMP): requirements.txt requirements-dev.txt requirements-nodeps.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's chromium; Playwright never downloads a browser of its own here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends chromium; \
	  else echo "chromium is missing: sudo apt-get install chromium (browser tests will be skipped)"; fi; }

# Scans and photos of pages are read by Debian's Tesseract (English; add packs named by OCR_LANGUAGES).
OCR_PACKAGES ?= tesseract-ocr tesseract-ocr-eng
ocr:
	@command -v tesseract >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $(OCR_PACKAGES); \
	  else echo "tesseract is missing: sudo apt-get install $(OCR_PACKAGES) (scans cannot be read; OCR tests skipped)"; fi; }

run: install ocr
	$(PY) -m ragsite.devrun

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: install
	$(PY) -m mypy .

# Two test processes (pytest-xdist), each with its own test database, Redis database and upload folder: the suite
# waits on servers and subprocesses, so one process leaves a core idle (pytest 5:17 in one, 4:26 in two, on two
# cores). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
pytest: install browser ocr
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test: lint typecheck pytest

demo: install
	$(PY) -m demo.build

clean:
	rm -rf var/test-*
