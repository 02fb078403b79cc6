# Two commands on a fresh machine: `make run` and `make test`.
VENV      := .venv
BIN       := $(VENV)/bin
PYTHON    ?= python3
STAMP     := $(VENV)/.installed
FLASK     := $(BIN)/flask --app wsgi
HOST      ?= 127.0.0.1
PORT      ?= 5000
MO        := depot/translations/da/LC_MESSAGES/messages.mo
PO        := depot/translations/da/LC_MESSAGES/messages.po

.PHONY: run test install translations extract-messages lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

$(MO): $(PO) $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d depot/translations -D messages --statistics

translations: $(MO)

## Set up everything (venv, install, migrations, demo data) and serve on SQLite.
run: install translations
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo --skip-if-present
	$(FLASK) run --host $(HOST) --port $(PORT)

## The whole test suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set).
test: install translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

## Refresh the message catalogue after adding or changing user-facing strings.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --no-location \
		--sort-output -o depot/translations/messages.pot .
	$(BIN)/pybabel update -i depot/translations/messages.pot -d depot/translations \
		-D messages --no-fuzzy-matching --ignore-obsolete

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) instance *.egg-info
