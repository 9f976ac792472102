# MiXiN: the README's two commands are `make run` and `make test`; both set up first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup setup-train run demo test test-slow bench dist smoke clean

$(STAMP): pyproject.toml scripts/system-deps.sh scripts/apt-install.sh scripts/qt-deps.sh
	bash scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	bash scripts/qt-deps.sh $(PY)     # what `ldd` of Qt's X11 plugin lacks (needs PySide6)
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

# The PyInstaller bundle dist/MiXiN/ (GUI `MiXiN`, CLI `mixin-cli`) and its archive.
dist: $(STAMP)
	$(PY) -m pip install -q 'pyinstaller>=6.10'
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN mixin.spec
	cp packaging/README-bundle.txt dist/MiXiN/README.txt
	cp packaging/install-desktop-entry.sh resources/mixin.desktop resources/mixin.png dist/MiXiN/
	tar -C dist -czf dist/MiXiN-$$($(PY) -c 'import mixin_gui; print(mixin_gui.__version__)')-linux-x86_64.tar.gz MiXiN

# Smoke test of the bundle (builds it first when missing).
smoke: $(STAMP)
	test -x dist/MiXiN/mixin-cli || $(MAKE) dist
	$(PY) -m pytest -m bundle

clean:
	rm -rf $(VENV) build dist *.egg-info demo-output
