"""``python -m mixin_gui.cli``: the same as the ``mixin`` command."""

from .app import run

run()
