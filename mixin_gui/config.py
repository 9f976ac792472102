"""Constants shared by every layer: sample rate, chunking, the Bark scale, stem names.

Only the standard library is imported here, so any module may depend on this one.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Sample rate the models were trained at (Hz). Input at other rates is resampled.
SAMPLE_RATE = 44100
#: Samples per NSGT chunk; the models see one chunk at a time.
CHUNK_SIZE = 44032
#: Number of Bark bands of the transform (rows of a coefficient matrix).
N_BANDS = 96
#: Coefficients per band in matrix form (columns of a coefficient matrix).
N_COEFS = 1948
#: Bark scale limits in Hz.
F_MIN = 0.0
F_MAX = 22050.0

#: The stems MiXiN separates, in the order the engine returns them.
STEMS = ("harmonic", "percussive", "vocal")
#: The stems without the vocal model (``--instrumental``).
INSTRUMENTAL_STEMS = ("harmonic", "percussive")

#: Training data (``mixin train create-hdf5``): share of the segments with vocals that also
#: give their vocal alone ("a cappella") as a mix.
A_CAPPELLA_SHARE = 0.25

#: Architecture version written in model cards of models this project saves.
ARCH_VERSION = "mixin-cdae-1"

#: Audio containers we read (through libsndfile) and write.
READ_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff", ".aifc")
#: MP3 needs libsndfile 1.1 or later; where the system's lacks it, asking for MP3 is refused
#: in one sentence (see ``audio.write.mp3_supported``).
WRITE_FORMATS = ("wav", "flac", "mp3")
BIT_DEPTHS = ("16", "24", "32f")


#: Crossfade between neighbouring chunks, in samples at 44.1 kHz (about 46 ms). Longer than
#: the time support of the lowest Bark bands' atoms (about 1,600 samples), so what a chunk's
#: circular transform wraps around from one edge to the other is faded out.
DEFAULT_OVERLAP = 2048
#: Chunks (over all channels) per network call: bounds memory (about 25 MB a chunk).
DEFAULT_BATCH_SIZE = 8
MAX_WIENER_ITERATIONS = 5  # EM steps of the Wiener post-filter (each costs about a mask step)


@dataclass(frozen=True)
class SeparationOptions:
    """How one track is separated; built once by the CLI, the GUI or an evaluation and
    passed to every :class:`~mixin_gui.engine.Separator` call.

    Attributes
    ----------
    instrumental : bool
        Skip the vocal model; masks share the mix between harmonic and percussive only.
    single_model : bool
        Use each network's magnitude with the mix's phase instead of soft masks (the stems
        then no longer add up to the mix).
    overlap : int
        Crossfade between chunks in samples at 44.1 kHz; 0 reproduces the original
        back-to-back chunking.
    batch_size : int
        Chunks (over all channels) sent to the networks in one call; progress and
        cancellation happen between batches.
    wiener_iterations : int or None
        Expectation-maximisation steps of multichannel Wiener filtering after the masks
        (``dsp.masks.wiener_em``; stereo and more channels only); 0: the masks as they
        are; ``None``: what the model set's card recommends (``wiener_iterations``, else
        0). Ignored by ``single_model``.
    """

    instrumental: bool = False
    single_model: bool = False
    overlap: int = DEFAULT_OVERLAP
    batch_size: int = DEFAULT_BATCH_SIZE
    wiener_iterations: int | None = None

    def __post_init__(self):
        if self.overlap < 0 or self.overlap >= CHUNK_SIZE // 2:
            raise ValueError(f"overlap must be from 0 to {CHUNK_SIZE // 2 - 1} samples")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if self.wiener_iterations is not None and \
                not 0 <= self.wiener_iterations <= MAX_WIENER_ITERATIONS:
            raise ValueError(f"wiener_iterations must be from 0 to {MAX_WIENER_ITERATIONS}")

    @property
    def stems(self) -> tuple[str, ...]:
        """The stems this separation yields, in order."""
        return INSTRUMENTAL_STEMS if self.instrumental else STEMS
