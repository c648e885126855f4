# The two commands a newcomer needs: `make run` and `make test` (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# xstatic-bootstrap builds from source with a setup.py that needs setuptools<81.
export PIP_CONSTRAINT := $(CURDIR)/build-constraints.txt
export PIP_BUILD_CONSTRAINT := $(CURDIR)/build-constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test serve backup restore lint syscheck clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(PY) requirements.txt build-constraints.txt
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

syscheck: $(VENV)/.installed
	@$(PY) -m riskassess.syscheck

run: syscheck
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_checklist --if-missing
	DEBUG=1 $(PY) manage.py setup_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

serve: syscheck
	scripts/serve.sh

backup: $(VENV)/.installed
	scripts/backup.sh $(OUT)

restore: $(VENV)/.installed
	scripts/restore.sh $(FILE)

# One test process per core (pytest-xdist); a file's tests stay on one process, so
# its module fixtures (one Chromium per browser test file) start once. TEST_WORKERS=0
# runs everything in this process.
TEST_WORKERS ?= auto
test: $(VENV)/.installed-dev syscheck
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var/static
