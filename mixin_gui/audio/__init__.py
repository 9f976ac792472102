"""Reading any input to float32 frames, resampling, and writing stems atomically."""

from .io import (AudioInfo, StemWriter, check_output_dir, describe, read_audio, resample,
                 subtype_for, write_audio)

__all__ = ["AudioInfo", "StemWriter", "check_output_dir", "describe", "read_audio",
           "resample", "subtype_for", "write_audio"]
