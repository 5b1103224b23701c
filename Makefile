# Two entry points for a fresh machine (see README):
#   make demo   install into .venv, run protocols/emotional_response.py, write results/ and a figure
#   make test   install into .venv, run the whole test suite (what CI runs)
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean-cache

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# CPU build of torch first: on these machines it lies on disk; anywhere else it is the
	# small CPU wheel from the PyTorch index rather than a multi-GB CUDA build.
	$(BIN)/python -m pip install -q "torch==2.13.0" || $(BIN)/python -m pip install -q torch --index-url https://download.pytorch.org/whl/cpu
	$(BIN)/python -m pip install -q -e ".[dev,cuda]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python protocols/emotional_response.py

test: $(STAMP)
	$(BIN)/python -m pytest -q --durations=25

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean-cache:
	$(BIN)/neuroemo cache --clear
