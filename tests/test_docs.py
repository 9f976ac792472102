"""The documentation holds together: every relative link in the README, docs/, the model cards
and the changelog points to a file that exists, the README's screenshot is there and small,
and installing the package prints no deprecation warning."""

import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "pretrained-models" / "README.md",
        *sorted((ROOT / "pretrained-models").glob("*/README.md")),
        *sorted((ROOT / "docs").glob("*.md"))]
#: ``[text](target)`` and ``![alt](target)``; the text may span lines.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*([^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")


def links(path):
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return [m.group(1) for m in LINK.finditer(text)]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_to_files(doc):
    assert doc.is_file()
    missing = []
    for target in links(doc):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue                                     # http:, mailto:, an anchor
        path = (doc.parent / unquote(target.split("#", 1)[0])).resolve()
        if not path.exists():
            missing.append(target)
    assert not missing, f"{doc.relative_to(ROOT)}: links to missing files: {missing}"


def test_the_readme_shows_its_screenshot():
    targets = links(ROOT / "README.md")
    shots = [t for t in targets if t.endswith(".png")]
    assert "docs/screenshot.png" in shots
    shot = ROOT / "docs" / "screenshot.png"
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size < 200_000


def test_the_readme_is_short():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 150


@pytest.mark.slow
def test_installing_prints_no_deprecation_warning(tmp_path):
    # Into a throw-away target, so the checkout's own editable install is left alone. pip
    # builds in an isolated environment and fetches setuptools>=77 (needs the index).
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-v", "--no-deps",
                           "--target", str(tmp_path / "site"), "-e", str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-2000:]
    assert "deprecat" not in out.lower(), [l for l in out.splitlines() if "eprecat" in l]
