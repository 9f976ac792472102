"""File I/O only: reading inputs to float32 frames, output plans, writing stems atomically."""

from .io import AudioInfo, describe, read_audio
from .outputs import (DEFAULT_TEMPLATE, apply_policy, check_collisions, expand_template,
                      plan_targets)
from .write import StemWriter, check_output_dir, subtype_for, write_audio

__all__ = ["AudioInfo", "DEFAULT_TEMPLATE", "StemWriter", "apply_policy", "check_collisions",
           "check_output_dir", "describe", "expand_template", "plan_targets", "read_audio",
           "subtype_for", "write_audio"]
