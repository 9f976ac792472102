"""The CDAE networks: architecture, loading and saving, model directories."""

from .cdae import (INPUT_SHAPE, N_PARAMS, build_cdae, compile_cdae, find_model_file,
                   load_cdae, read_card, save_cdae)
from .stems import ModelSet, inspect_model_dir, load_model_dir

__all__ = ["INPUT_SHAPE", "N_PARAMS", "ModelSet", "build_cdae", "compile_cdae",
           "find_model_file", "inspect_model_dir", "load_cdae", "load_model_dir",
           "read_card", "save_cdae"]
