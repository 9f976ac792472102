"""File I/O only: reading any input to float32 frames and writing stems atomically."""

from .io import (AudioInfo, StemWriter, check_output_dir, describe, read_audio, subtype_for,
                 write_audio)

__all__ = ["AudioInfo", "StemWriter", "check_output_dir", "describe", "read_audio",
           "subtype_for", "write_audio"]
