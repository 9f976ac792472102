"""Help ▸ About: version, the models in use as readable model cards, licences.

The words come from :mod:`mixin_gui.modelcard`, which ``mixin models`` prints too.
"""

from __future__ import annotations

import html

from ..modelcard import describe_models, licence_lines


def about_html(version, models):
    """Rich text of the About box.

    Parameters
    ----------
    version : str
    models : ModelsInfo or None
        The loaded models (``model_dir``, ``stems``, ``cards``, ``files``).
    """
    parts = [f"<h3>MiXiN {html.escape(version)}</h3>",
             "<p>Splits a song into harmonic (tonal instruments), percussive (drums) and "
             "vocal stems with a neural network on a Bark-scale spectrogram: by default "
             "one U-Net that shares every time-frequency bin out between the three stems, "
             "or the compact set of one small network per stem.</p>"]
    if models:
        parts.append(f"<p><b>Models in use</b> from {html.escape(str(models.model_dir))}:"
                     "</p><ul>")
        for line in describe_models(models.model_dir, models.stems, models.cards,
                                    models.files):
            stem, _, text = line.partition(": ")
            parts.append(f"<li><b>{html.escape(stem)}</b>: {html.escape(text)}</li>")
        parts.append("</ul>")
    else:
        parts.append("<p><b>Models:</b> none loaded yet.</p>")
    parts.append("<p><b>Licences</b></p><ul>")
    parts.extend(f"<li>{html.escape(line)}</li>" for line in licence_lines())
    parts.append("</ul>")
    return "".join(parts)
