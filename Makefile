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

# ---- bench: the scale benchmark (docs/DESIGN.md §7): `make bench` runs S and M, `make bench SIZE=L` (or SIZE="S M L");
# generated cycles are cached and results written in bench-work/ (git-ignored); REPEAT=n runs (default 3)
SIZE ?= S M
REPEAT ?=
.PHONY: bench
bench: $(STAMP)
	$(PY) bench/run.py $(SIZE) $(if $(REPEAT),--repeat $(REPEAT))

clean:
	rm -rf output/R* preview

# ---- preview: the Word draft as PDF and PNG pages in preview/ (LibreOffice; when it is missing, the install
# command is printed, and run only with INSTALL=1).
# The 目次 gets its page numbers through LibreOffice's UNO API (tools/docx_to_pdf.py, run by the python that
# has the uno module); without it, a plain conversion whose 目次 lists the headings without page numbers.
PREVIEW_DOCX ?= output/R7/実施計画（案）.docx
PREVIEW_PDF := preview/$(basename $(notdir $(PREVIEW_DOCX))).pdf
UNO_PYTHON ?= /usr/bin/python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PREVIEW_PACKAGES := libreoffice-writer-nogui python3-uno fonts-noto-cjk fonts-ipaexfont poppler-utils
.PHONY: preview
preview: compile
	@if ! command -v soffice >/dev/null || ! command -v pdftoppm >/dev/null || ! fc-list :lang=ja | grep -q .; then \
	  if [ "$(INSTALL)" != 1 ]; then \
	    echo "LibreOffice, poppler-utils or a Japanese font is missing. Install them with:"; \
	    echo "  $(SUDO) apt-get update && $(SUDO) apt-get install -y $(PREVIEW_PACKAGES)"; \
	    echo "or run: make preview INSTALL=1 (runs that command)"; exit 1; fi; \
	  $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $(PREVIEW_PACKAGES); fi
	rm -rf preview && mkdir -p preview
	@if $(UNO_PYTHON) -c "import uno" 2>/dev/null && $(UNO_PYTHON) tools/docx_to_pdf.py "$(PREVIEW_DOCX)" "$(PREVIEW_PDF)"; then \
	  echo "$(PREVIEW_PDF): 目次 updated with page numbers"; \
	else \
	  echo "LibreOffice UNO not available: plain conversion (the 目次 has no page numbers)"; \
	  soffice --headless --norestore -env:UserInstallation=file:///tmp/lo_preview \
	    --convert-to pdf --outdir preview "$(PREVIEW_DOCX)"; fi
	pdftoppm -r 80 -png "$(PREVIEW_PDF)" preview/page
	@echo "preview/: $$(ls preview/*.png | wc -l) pages"
