"""The separation facade that the CLI and the GUI call."""

from .separator import Separator, Stems, default_model_dir

__all__ = ["Separator", "Stems", "default_model_dir"]
