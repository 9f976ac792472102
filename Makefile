# MiXiN: the README's two commands are `make run` and `make test`; both set up first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup setup-train run demo test test-slow bench clean

$(STAMP): pyproject.toml scripts/system-deps.sh scripts/apt-install.sh
	bash scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# Only for generating training data (mixin train synth): soundfonts, drum kits, voices.
setup-train: $(STAMP)
	bash scripts/training-deps.sh
	$(PY) -m pip install -q -e '.[test,synth]'

# The desktop app, with a generated demo song loaded (Separate, listen, export).
run: $(STAMP)
	$(VENV)/bin/mixin demo --mix-only
	$(VENV)/bin/mixin-gui demo-output/demo_mix.wav

demo: $(STAMP)
	$(VENV)/bin/mixin demo

test: $(STAMP)
	$(PY) -m pytest

# Exit status 5 means "no slow tests collected", which is fine for this lane.
test-slow: $(STAMP)
	$(PY) -m pytest -m slow || [ $$? -eq 5 ]

bench: $(STAMP)
	$(PY) benchmarks/bench_separate.py

clean:
	rm -rf $(VENV) build dist *.egg-info demo-output
