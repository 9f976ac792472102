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
WRITE_FORMATS = ("wav", "flac")
BIT_DEPTHS = ("16", "24", "32f")


@dataclass(frozen=True)
class SeparationOptions:
    """How a track is separated.

    Attributes
    ----------
    instrumental : bool
        Skip the vocal model; masks share the mix between harmonic and percussive only.
    single_model : bool
        Use each network's magnitude with the mix's phase instead of soft masks.
    overlap : bool
        Process chunks with 50 % overlap and complementary sine windows so chunk seams are
        inaudible. ``False`` reproduces the original back-to-back chunking.
    batch_size : int
        Chunks sent to a network in one call (bounds memory; progress and cancellation
        happen between batches).
    """

    instrumental: bool = False
    single_model: bool = False
    overlap: bool = True
    batch_size: int = 16

    @property
    def stems(self) -> tuple[str, ...]:
        return INSTRUMENTAL_STEMS if self.instrumental else STEMS
