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
    """An output file exists and the user did not ask to overwrite it.

    ``path`` is the existing file, so a front end can add how to allow replacing it.
    """

    def __init__(self, message, path=None):
        super().__init__(message)
        self.path = path


class OutputCollisionError(AudioWriteError):
    """A planned output is an input, or two planned outputs are the same file.

    Refused whatever the "file exists" policy says: replacing would destroy a user's file.
    """


class ModelLoadError(MixinError):
    """A model directory is missing a model or holds one of the wrong shape."""


class NoModelsError(ModelLoadError):
    """No model folder was given and none with models was found (``folder`` was searched)."""

    def __init__(self, message, folder=None):
        super().__init__(message)
        self.folder = folder


class Cancelled(MixinError):
    """The user cancelled a running separation."""


class DatasetError(MixinError):
    """Training or evaluation data is missing, inconsistent or of another format version."""
