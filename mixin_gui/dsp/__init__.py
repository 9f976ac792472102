"""Pure numpy/scipy signal processing: the Bark NSGT, masks, chunking and overlap-add."""

from .chunking import ChunkPlan
from .masks import apply_single_model, soft_masks
from .nsgt import BarkNSGT, bark_scale, bark_to_hz, get_nsgt, hz_to_bark

__all__ = ["BarkNSGT", "ChunkPlan", "apply_single_model", "bark_scale", "bark_to_hz",
           "get_nsgt", "hz_to_bark", "soft_masks"]
