# Entry points of the suite. `make help` lists them; set-up happens on first use.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LAB_STAMP := $(VENV)/.installed-lab
KERNEL := helpers
DATA ?= data/sample
UNIT ?= SIM
LANG_REPORT ?= vi
# committee (members leaving) or quality (developing and managing members)
REPORT ?= committee
YEAR ?= 0
# Optional for `make reports`: LEVELS="province district", UNITS="SIM D01", PLAN=plan.yaml, JOBS=2,
# SCHEDULER=tcp://host:8786, FORCE=1.
LEVELS ?=
UNITS ?=
PLAN ?=
JOBS ?= 0
SCHEDULER ?=
FORCE ?=
# JupyterLab refuses to start as root (containers, CI machines) unless told to.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip==26.3
	@$(PY) -m pip install --quiet -e '.[dev]'
	@$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (helpers)" >/dev/null
	@mkdir -p data/raw
	@touch $(STAMP)

$(LAB_STAMP): $(STAMP)
	@$(PY) -m pip install --quiet -e '.[dev,lab]'
	@touch $(LAB_STAMP)

.PHONY: help
help: ## List every target with what it does
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

.PHONY: setup
setup: $(STAMP) ## Create .venv, install the package with pinned dependencies, register the Jupyter kernel

.PHONY: report
report: $(STAMP) ## Render the committee report from DATA (default data/sample) into reports/ (LANG_REPORT=vi|en, REPORT=quality)
	@$(PY) -m helpers report --notebook $(REPORT) --data $(DATA) --unit $(UNIT) --language $(LANG_REPORT)

.PHONY: reports
reports: $(STAMP) ## The annual run: every unit's report for YEAR into reports/annual/, in parallel, skipping unchanged ones
	@$(PY) -m helpers reports --data $(DATA) --year $(YEAR) --languages $(LANG_REPORT) --jobs $(JOBS) \
		$(if $(LEVELS),--levels $(LEVELS)) $(if $(UNITS),--units $(UNITS)) $(if $(PLAN),--plan $(PLAN)) \
		$(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(FORCE),--force)

.PHONY: national
national: $(STAMP) ## Generate the simulated national registry (5.6 million members, 34 provinces formed from 63, 3,321 communes) as Parquet in data/national/
	@$(PY) -m helpers national --out data/national

.PHONY: national-reports
national-reports: $(STAMP) ## The national annual run: every province's committee report and the national report into reports/national/ (generates the registry first if absent; JOBS=2, SCHEDULER=…, FORCE=1)
	@test -f data/national/members.parquet || $(PY) -m helpers national --out data/national
	@$(PY) -m helpers national-reports --registry data/national --languages $(LANG_REPORT) --jobs $(JOBS) \
		$(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(FORCE),--force)

.PHONY: analyses
analyses: $(STAMP) ## Render each analysis notebook of the registry (term table, trends, profiles, causes, admissions, ratings, management) into reports/
	@for nb in $$($(PY) -c "from helpers.registry import ENTRIES; print(*(e.slug for e in ENTRIES if e.kind == 'analysis'))"); do \
		$(PY) -m helpers report --notebook $$nb --data $(DATA) --unit $(UNIT) --language $(LANG_REPORT) || exit $$?; \
	done

.PHONY: trends
trends: $(STAMP) ## Print the per-term table and annual percent changes for UNIT in DATA
	@$(PY) -m helpers trends --data $(DATA) --unit $(UNIT)

.PHONY: test
test: $(STAMP) ## Run the whole test suite (unit tests, notebook runs, data checks)
	@$(PY) -m pytest

.PHONY: lint
lint: $(STAMP) ## Check formatting and lint with ruff (configuration in pyproject.toml); CI runs it before the tests
	@$(VENV)/bin/ruff format --check --quiet src tests benchmarks
	@$(VENV)/bin/ruff check --quiet src tests benchmarks notebooks

.PHONY: format
format: $(STAMP) ## Format the code, fix what ruff can fix, and strip outputs from the notebooks
	@$(VENV)/bin/ruff format --quiet src tests benchmarks
	@$(VENV)/bin/ruff check --fix --quiet src tests benchmarks notebooks
	@$(VENV)/bin/nbstripout notebooks/*.ipynb

.PHONY: test-fast
test-fast: $(STAMP) ## Quick local loop: every test but notebook runs (slow) and Monte-Carlo studies (simulation), on 2 workers (about 3 min)
	@$(PY) -m pytest -n 2 -m "not slow and not simulation"

.PHONY: validate
validate: $(STAMP) ## Check every table in DATA (default data/sample) against its contract
	@$(PY) -m helpers validate $(DATA)

.PHONY: check-published
check-published: $(STAMP) ## Recompute every stated percentage in data/published and list mismatches
	@$(PY) -m helpers check-published

.PHONY: data
data: $(STAMP) ## Regenerate the synthetic default province in data/sample (seeded, deterministic)
	@$(PY) -m helpers synth --out data/sample

.PHONY: lab
lab: $(LAB_STAMP) ## Open JupyterLab on notebooks/ with the project's kernel
	@$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

.PHONY: clean
clean: ## Remove rendered reports (keeps the example screenshot)
	@find reports -mindepth 1 ! -name 'example*' ! -name '.gitkeep' ! -name README.md -delete

.PHONY: distclean
distclean: clean ## Remove reports and the .venv
	@rm -rf $(VENV)
