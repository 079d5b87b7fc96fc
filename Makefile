# 一体策定コンパイラ — see README.md
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAMPLE := examples/sample-city
CYCLE ?= $(SAMPLE)/R7
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

# The sample ships its previous cycle (R6): compile it first so the R7 draft shows the year-over-year report.
compile: $(STAMP)
ifeq ($(CYCLE)$(PREVIOUS),$(SAMPLE)/R7)
	$(PY) -m compiler compile $(SAMPLE)/R6 --output output/R6
	$(PY) -m compiler compile $(CYCLE) --previous output/R6 $(if $(OUTPUT),--output $(OUTPUT))
else
	$(PY) -m compiler compile $(CYCLE) $(if $(OUTPUT),--output $(OUTPUT)) $(if $(PREVIOUS),--previous $(PREVIOUS))
endif

check: $(STAMP)
	$(PY) -m compiler check $(CYCLE)

test: $(STAMP)
	$(PY) -m pytest

templates: $(STAMP)
	$(PY) -m compiler templates $(CYCLE)/計画マスタ.xlsx --output input_templates $(if $(PREVIOUS),--previous $(PREVIOUS))

# ---- bench: the scale benchmark (DESIGN §7): `make bench` runs S and M, `make bench SIZE=L` (or SIZE="S M L");
# generated cycles are cached and results written in bench-work/ (git-ignored); REPEAT=n runs (default 3)
SIZE ?= S M
REPEAT ?=
.PHONY: bench
bench: $(STAMP)
	$(PY) bench/run.py $(SIZE) $(if $(REPEAT),--repeat $(REPEAT))

clean:
	rm -rf output/R* preview

# ---- preview: the Word draft as PDF and PNG pages in preview/ (LibreOffice; installed when missing)
PREVIEW_DOCX ?= output/R7/実施計画（案）.docx
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
.PHONY: preview
preview: compile
	@if ! command -v soffice >/dev/null || ! command -v pdftoppm >/dev/null || ! fc-list :lang=ja | grep -q .; then \
	  $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y \
	    libreoffice-writer-nogui fonts-noto-cjk fonts-ipaexfont poppler-utils; fi
	rm -rf preview && mkdir -p preview
	soffice --headless --norestore -env:UserInstallation=file:///tmp/lo_preview \
	  --convert-to pdf --outdir preview "$(PREVIEW_DOCX)"
	pdftoppm -r 80 -png "preview/$(basename $(notdir $(PREVIEW_DOCX))).pdf" preview/page
	@echo "preview/: $$(ls preview/*.png | wc -l) pages"
