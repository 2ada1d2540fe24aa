# mpp-platform — the two commands a new machine needs are `make up` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SERVICES := $(notdir $(patsubst %/,%,$(dir $(wildcard services/*/pyproject.toml))))
PACKAGES := libs/kit libs/cli libs/testing gateway $(addprefix services/,$(SERVICES))
empty :=
space := $(empty) $(empty)
DEV_TOOLS := ruff mypy pytest pytest-asyncio pytest-timeout hypothesis asgi-lifespan aiosmtpd pyyaml types-PyYAML jsonschema
STAMP  := $(VENV)/.installed

.PHONY: up test lint typecheck pytest bench contracts contracts-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall when a pin or a package definition changes.
$(STAMP): $(BIN)/python constraints.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	$(BIN)/pip install --quiet -c constraints.txt $(addprefix -e ,$(PACKAGES)) $(DEV_TOOLS)
	touch $(STAMP)

install: $(STAMP)

up: $(STAMP)  ## start the whole platform on embedded defaults
	$(BIN)/mpp up

test: $(STAMP) lint typecheck contracts-check pytest  ## lint, types, contracts, all tests

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	MYPYPATH=$(subst $(space),:,$(addsuffix /src,$(PACKAGES))) $(BIN)/mypy \
		-p mpp_kit -p mpp_cli -p mpp_testing -p mpp_gateway $(addprefix -p mpp_,$(SERVICES))

pytest: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench

contracts: $(STAMP)
	$(BIN)/python -m mpp_kit.contracts.export contracts

contracts-check: $(STAMP)
	$(BIN)/python -m mpp_kit.contracts.export contracts --check

clean:
	rm -rf $(VENV) .mpp
