# 一体策定コンパイラ — see README.md
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CYCLE ?= examples/sample-city/R7
OUTPUT ?=
PREVIOUS ?=
STAMP := $(VENV)/.installed

.PHONY: install compile check test templates clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

compile: $(STAMP)
	$(PY) -m compiler compile $(CYCLE) $(if $(OUTPUT),--output $(OUTPUT)) $(if $(PREVIOUS),--previous $(PREVIOUS))

check: $(STAMP)
	$(PY) -m compiler check $(CYCLE)

test: $(STAMP)
	$(PY) -m pytest

templates: $(STAMP)
	$(PY) -m compiler templates $(CYCLE)/計画マスタ.xlsx --output input_templates

clean:
	rm -rf output/R* preview
