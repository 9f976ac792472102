"""Help ▸ About: version, the models in use with their model cards, licences."""

from __future__ import annotations

import html

#: Licences of MiXiN and what it ships with.
LICENCES = (
    ("MiXiN (this app)", "MIT"),
    ("Original MiXiN models and algorithm (Sevag Hanssian)", "MIT"),
    ("Qt 6 / PySide6", "LGPL-3.0"),
    ("pyqtgraph", "MIT"),
    ("TensorFlow / Keras", "Apache-2.0"),
    ("NumPy, SciPy", "BSD-3-Clause"),
    ("libsndfile (soundfile), PortAudio (sounddevice)", "LGPL-2.1 / MIT"),
)
_CARD_KEYS = ("architecture", "training_data", "recipe", "scores", "note")


def _card_rows(card):
    rows = []
    for key in _CARD_KEYS:
        if key in card:
            value = card[key]
            if isinstance(value, dict):
                value = ", ".join(f"{k}: {v}" for k, v in value.items())
            rows.append(f"{key.replace('_', ' ')}: {html.escape(str(value))}")
    return "; ".join(rows) or "no model card"


def about_html(version, models):
    """Rich text of the About box.

    Parameters
    ----------
    version : str
    models : dict or None
        ``model_dir``, ``stems``, ``cards`` and ``files`` of the loaded models.
    """
    parts = [f"<h3>MiXiN {html.escape(version)}</h3>",
             "<p>Harmonic, percussive and vocal separation with Bark-scale NSGT "
             "convolutional denoising autoencoders.</p>"]
    if models:
        parts.append(f"<p><b>Models in use</b> ({html.escape(str(models['model_dir']))}):</p>"
                     "<ul>")
        for stem in models["stems"]:
            card = models["cards"].get(stem, {})
            name = models["files"][stem].name if stem in models.get("files", {}) else stem
            parts.append(f"<li><b>{html.escape(stem)}</b> — {html.escape(name)}: "
                         f"{_card_rows(card)}</li>")
        parts.append("</ul>")
    else:
        parts.append("<p><b>Models:</b> none loaded.</p>")
    parts.append("<p><b>Licences</b></p><ul>")
    parts.extend(f"<li>{html.escape(what)}: {lic}</li>" for what, lic in LICENCES)
    parts.append("</ul>")
    return "".join(parts)
