"""Imports flow one way: no import circles, no import from a lower layer to a higher one,
nothing in the core imports Qt, and dsp never pulls in TensorFlow.

The import graph is read from the source with :mod:`ast`, every ``import`` statement
included (those inside functions too, which run later but tie the modules together all the
same), so a circle or an upward import fails here before anyone trips over it at run time.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "mixin_gui"

#: The floors, lowest first (``/work/shared/ARCHITECTURE.md``). A module may import its own
#: package and packages on a lower floor; two packages on the same floor do not import each
#: other. ``gui`` is the roof: nothing outside it imports it.
LAYERS = (
    {"", "config", "errors", "paths", "modelcard"},  # "": mixin_gui/__init__.py (the version)
    {"dsp"},
    {"audio"},
    {"model"},
    {"engine"},
    {"training", "synthdata", "batch"},
    {"api"},
    {"cli"},
    {"gui"},
)
RANK = {part: i for i, floor in enumerate(LAYERS) for part in floor}
#: The package's face (``mixin_gui/__init__.py``) re-exports the API from these, inside its
#: module ``__getattr__`` (on first use; ``test_the_package_face_is_lazy`` proves it).
LAZY_FACE = {"mixin_gui.api", "mixin_gui.errors"}


def module_files():
    """Dotted module name to file, for every module of the package."""
    out = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _target(module, node, modules):
    """The modules of ours that one ``import`` / ``from ... import`` statement names."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:
        is_package = modules[module].name == "__init__.py"
        base = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            base = base.rpartition(".")[0]
        base = f"{base}.{node.module}" if node.module else base
    else:
        base = node.module or ""
    # ``from pkg import sub`` imports the submodule ``pkg.sub``; ``from mod import name``
    # imports ``mod``.
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]


def import_graph():
    """Module name to the set of our modules it imports (anywhere in its source)."""
    modules = module_files()
    graph = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for name in _target(module, node, modules):
                    if name == PACKAGE or name.startswith(PACKAGE + "."):
                        while name not in modules:      # ``import a.b.function``
                            name = name.rpartition(".")[0]
                        if name != module:
                            edges.add(name)
        graph[module] = edges
    return graph


def component(module):
    """``mixin_gui.dsp.nsgt`` -> ``dsp``; ``mixin_gui.config`` -> ``config``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan), sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                found.append(sorted(scc))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def layer_violations(graph):
    """Every ``importer -> imported`` edge that goes up a floor, or sideways between two
    packages on one floor, or into ``gui`` from outside it."""
    bad = []
    for src, targets in graph.items():
        for dst in targets:
            a, b = component(src), component(dst)
            if a == b or (src == PACKAGE and dst in LAZY_FACE):
                continue
            if RANK[a] <= RANK[b] and not (RANK[a] == RANK[b] == 0):
                bad.append(f"{src} -> {dst}")
    return sorted(bad)


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_graph_is_read_right(graph):
    # Known edges, one per kind of statement, so a parser bug cannot make the checks vacuous.
    assert "mixin_gui.dsp.nsgt" in graph["mixin_gui.engine.separator"]       # from ..dsp.x
    assert "mixin_gui.config" in graph["mixin_gui.dsp.nsgt"]                 # from .. import
    assert "mixin_gui.model.backend" in graph["mixin_gui.cli.app"]           # in a function
    assert "mixin_gui.cli.separate" in graph["mixin_gui.cli.app"]            # from . import
    # The checks themselves catch what they are for.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_violations({"mixin_gui.dsp.x": {"mixin_gui.audio.io"},
                             "mixin_gui.audio.io": {"mixin_gui.dsp.x"}}) == [
        "mixin_gui.dsp.x -> mixin_gui.audio.io"]


def test_every_package_has_a_floor(graph):
    assert {component(m) for m in graph} <= set(RANK)


def test_no_import_circles(graph):
    assert cycles(graph) == []


def test_imports_only_go_down(graph):
    assert layer_violations(graph) == []


def test_nothing_outside_gui_imports_gui(graph):
    assert not [f"{s} -> {d}" for s, ds in graph.items() for d in ds
                if component(d) == "gui" and component(s) != "gui"]


# ------------------------------------------------------- what actually gets imported
def modules_after(statement):
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300).stdout
    return set(out.split())


@pytest.mark.parametrize("module", ["mixin_gui.engine", "mixin_gui.cli",
                                    "mixin_gui.cli.app", "mixin_gui.model.stems"])
def test_core_does_not_import_qt(module):
    mods = modules_after(f"import {module}; import mixin_gui.cli.app as m; m.build_parser()")
    assert not {m for m in mods if m.startswith(("PySide6", "pyqtgraph", "shiboken6"))}


def test_dsp_and_audio_do_not_import_tensorflow():
    mods = modules_after("import mixin_gui.dsp, mixin_gui.audio, mixin_gui.dsp.signals")
    assert not {m for m in mods if m.split(".")[0] in ("tensorflow", "keras")}
    assert "mixin_gui.dsp" in mods


def test_cli_version_does_not_load_tensorflow():
    mods = modules_after("import mixin_gui.cli.app as m; m.build_parser()")
    assert "tensorflow" not in mods


def test_engine_and_model_loading_do_not_import_tensorflow():
    mods = modules_after("import mixin_gui.engine, mixin_gui.model.stems, "
                         "mixin_gui.cli.separate, mixin_gui.cli.models, mixin_gui.cli.evaluate")
    assert not {m for m in mods if m.split(".")[0] in ("tensorflow", "keras")}


def test_the_package_face_is_lazy():
    # `import mixin_gui` (and `mixin --help`) must stay instant: the API comes on first use.
    code = ("import sys, mixin_gui\n"
            "assert 'numpy' not in sys.modules and 'onnxruntime' not in sys.modules\n"
            "assert callable(mixin_gui.separate) and 'onnxruntime' not in sys.modules\n"
            "assert mixin_gui.MixinError.__module__ == 'mixin_gui.errors'\n"
            "assert {'separate', 'separate_file', 'Separator', 'Stems'} <= set(dir(mixin_gui))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
