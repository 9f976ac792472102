"""One exception tree for the whole project.

Every error a user can cause derives from :class:`MixinError`, and its message is one
sentence that a user understands; front ends print ``str(err)`` and never a traceback.
"""


class MixinError(Exception):
    """Base class of every error MiXiN reports to a user."""


class AudioReadError(MixinError):
    """An input file is missing, unreadable, empty or not audio."""


class AudioWriteError(MixinError):
    """An output file could not be written (folder missing or not writable, disk full)."""


class OutputExistsError(AudioWriteError):
    """An output file exists and the user did not ask to overwrite it."""


class ModelLoadError(MixinError):
    """A model directory is missing a model or holds one of the wrong shape."""


class Cancelled(MixinError):
    """The user cancelled a running separation."""


class DatasetError(MixinError):
    """Training or evaluation data is missing, inconsistent or of another format version."""
