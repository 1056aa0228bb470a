# kneestudy — the two commands a user needs are `make report` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help setup test test-all bench report screenshots lab lint format browser office references clean

help:
	@echo "make report    set up the environment and write the reports to reports/ (HTML, Word):"
	@echo "               the demo report (synthetic cohorts) and the evidence report (published trials)"
	@echo "make test      set up the environment and run the default test suite"
	@echo "make test-all  the full suite, slow calibration tests included"
	@echo "make bench     performance benchmarks (ratios against baselines in the same run)"
	@echo "make screenshots  the README's pictures of the reports (needs chromium, soffice, gs)"
	@echo "make lab       open JupyterLab on notebooks/"
	@echo "make lint      ruff"
	@echo "make references  regenerate the R reference values (needs R; see tests/reference/README.md)"

# The environment: a virtualenv pinned by constraints.txt, rebuilt when the pins change.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

# Headless Chromium for the browser test of the HTML report (Debian's package).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser test"; \
	    (apt-get install -y -qq chromium >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1)) || \
	    echo "chromium could not be installed; the browser test will be skipped"; \
	  else echo "chromium not found (needs root to install); the browser test will be skipped"; fi; }

# LibreOffice (Debian's libreoffice-writer) for the check that the Word report converts to PDF.
office:
	@command -v soffice >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's libreoffice-writer for the Word report check"; \
	    (apt-get install -y -qq libreoffice-writer >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null 2>&1 && \
	      apt-get install -y -qq libreoffice-writer >/dev/null 2>&1)) || \
	    echo "libreoffice-writer could not be installed; the PDF check will be skipped"; \
	  else echo "soffice not found (needs root to install); the PDF check will be skipped"; fi; }

# pytest's exit code 5 ("no tests collected") is not a failure.
test: $(STAMP) browser office
	$(BIN)/python -m pytest -m "not slow" -n 2 --dist loadfile $(PYTEST_ARGS) || [ $$? -eq 5 ]

test-all: $(STAMP) browser office
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS) || [ $$? -eq 5 ]

bench: $(STAMP)
	$(BIN)/python -m pytest tests/benchmarks -p no:xdist -p no:randomly -s -q $(PYTEST_ARGS) || [ $$? -eq 5 ]

# The demo report of the synthetic cohorts (HTML and Word) and, beside it, the evidence report
# of the published trials (never pooled with the synthetic cohorts).
report: $(STAMP)
	$(BIN)/kneestudy demo --output reports/kneestudy-demo.html --output reports/kneestudy-demo.docx
	$(BIN)/kneestudy evidence --planning --output reports/kneestudy-evidence.html --output reports/kneestudy-evidence.docx

# The README's pictures: the top of the HTML reports (headless Chromium, 1280 px wide)
# and the first page of the Word report (LibreOffice to PDF, Ghostscript to PNG).
CHROME_FLAGS := --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
screenshots: report browser office
	chromium $(CHROME_FLAGS) --user-data-dir=$$(mktemp -d) --window-size=1280,1500 \
	  --screenshot=reports/kneestudy-demo.png file://$(CURDIR)/reports/kneestudy-demo.html
	chromium $(CHROME_FLAGS) --user-data-dir=$$(mktemp -d) --window-size=1280,1500 \
	  --screenshot=reports/kneestudy-evidence.png file://$(CURDIR)/reports/kneestudy-evidence.html
	@tmp=$$(mktemp -d) && \
	  soffice -env:UserInstallation=file://$$tmp/lo --headless --convert-to pdf --outdir $$tmp \
	    reports/kneestudy-demo.docx reports/kneestudy-evidence.docx >/dev/null && \
	  gs -q -dNOPAUSE -dBATCH -sDEVICE=png16m -r110 -dFirstPage=1 -dLastPage=1 \
	    -sOutputFile=reports/kneestudy-demo-word.png $$tmp/kneestudy-demo.pdf && \
	  echo "reports/kneestudy-demo-word.png: page 1 of the Word report" && \
	  gs -q -dNOPAUSE -dBATCH -sDEVICE=png16m -r110 -dFirstPage=1 -dLastPage=1 \
	    -sOutputFile=reports/kneestudy-evidence-word.png $$tmp/kneestudy-evidence.pdf && \
	  echo "reports/kneestudy-evidence-word.png: page 1 of the evidence Word report"

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check kneestudy tests

references:
	cd tests/reference && for f in *.R; do echo "Rscript $$f"; Rscript "$$f" || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
