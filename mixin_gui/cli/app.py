"""``mixin``: the command-line entry point.

Subcommands register themselves from their own modules (``separate``, ``models``, ``demo``,
``train``, ``evaluate``) so each stays small; those that run networks set ``needs_backend``.
Every :class:`~mixin_gui.errors.MixinError` becomes one line on stderr and exit status 1; no
traceback reaches a user.
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from ..errors import MixinError


def build_parser():
    parser = argparse.ArgumentParser(
        prog="mixin",
        description="Split songs into harmonic, percussive and vocal stems (MiXiN).")
    parser.add_argument("--version", action="version", version=f"mixin {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from . import demo, evaluate, models, separate, train

    for module in (separate, models, demo, train, evaluate):
        module.register(sub)
    return parser


def main(argv=None):
    """Run the CLI; returns the exit status (0 ok, 1 error, 2 usage, 130 interrupted)."""
    parser = build_parser()
    return dispatch(parser, parser.parse_args(argv))


def dispatch(parser, args):
    """Run the command that ``args`` (parsed by ``parser``) names; returns the exit status."""
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if getattr(args, "needs_backend", False):
        # Commands that run networks import Keras here, with TensorFlow's C++ start-up
        # lines kept off the terminal (safe: nothing else runs yet).
        from ..model.backend import import_keras

        import_keras(quiet=True)
    try:
        return int(args.func(args) or 0)
    except MixinError as exc:
        print(f"mixin: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nmixin: interrupted; no partial files were left.", file=sys.stderr)
        return 130


def run(argv=None):
    """Console-script entry point.

    Commands that set ``fast_exit`` (``separate``) end the process with ``os._exit`` once
    their streams are flushed: every file they write is closed and renamed into place before
    :func:`dispatch` returns, and the interpreter's own shutdown after TensorFlow (freeing its
    objects and thread pools) costs about half a second that nobody needs.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    code = dispatch(parser, args)
    if getattr(args, "fast_exit", False) and "tensorflow" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
