"""Presets a musician understands: what to listen to and what to write after a separation.

Plain data (no Qt). "Karaoke" and "No drums" are the mix minus a stem, written as one file,
so whatever the networks left out of every stem stays in the track.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    """One choice of the Preset box.

    Attributes
    ----------
    key, label, tip : str
    output : str or None
        Name of the one file written (``{stem}`` in the file-name template); ``None``
        writes the stems ticked in the mixer.
    gains : dict of str to float
        Linear gain per source of that one file (``"mix"`` and the stems).
    solo, mute : tuple of str
        How the mixer starts for a separated track.
    needs_vocal : bool
        The preset needs the vocal model (not possible in instrumental mode).
    """

    key: str
    label: str
    tip: str
    output: str | None = None
    gains: dict = field(default_factory=dict)
    solo: tuple = ()
    mute: tuple = ()
    needs_vocal: bool = False


PRESETS = (
    Preset("stems", "All stems",
           "Write every stem ticked in the mixer, each as its own file."),
    Preset("karaoke", "Karaoke (no vocals)",
           "The song without its singing: the mix minus the vocal stem, written as one "
           "file named …_karaoke.", output="karaoke", gains={"mix": 1.0, "vocal": -1.0},
           mute=("vocal",), needs_vocal=True),
    Preset("drums", "Drums only",
           "Only the drums and other percussion, written as one file named …_drums.",
           output="drums", gains={"percussive": 1.0}, solo=("percussive",)),
    Preset("no-drums", "No drums",
           "The song without drums (to play along): the mix minus the percussive stem, "
           "written as one file named …_no-drums.", output="no-drums",
           gains={"mix": 1.0, "percussive": -1.0}, mute=("percussive",)),
)
BY_KEY = {p.key: p for p in PRESETS}
DEFAULT = "stems"


def preset(key):
    """The preset called ``key`` (the default one for an unknown key)."""
    return BY_KEY.get(key, BY_KEY[DEFAULT])
