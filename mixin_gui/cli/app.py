"""``mixin``: the command-line entry point.

Subcommands register themselves from their own modules (``separate``, ``models``, ``demo``,
``train``, ``evaluate``) so each stays small; those that train set ``needs_backend`` (Keras),
and any may set ``prepare``: checks run before the heavy imports, so a mistake costs no wait.
Every :class:`~mixin_gui.errors.MixinError` (and a ``MemoryError``) becomes one line on stderr
and exit status 1; no traceback reaches a user. Ctrl-C, ``SIGTERM``, ``SIGHUP`` and
``SIGQUIT`` at any moment, the heavy imports included, give one line and exit status 128 +
the signal's number (130 for Ctrl-C), after every temporary file has been removed. Failures of the terminal
itself (a closed or full standard output, a pipe closed early, a locale that cannot spell a
name) never stop the work: see :mod:`.console`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from .. import __version__
from ..errors import MixinError
from .console import guard_std_streams


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


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread by ``SIGTERM``, ``SIGHUP`` or ``SIGQUIT``, like Ctrl-C's
    interrupt."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, frame):
    # Once is enough: later signals must not interrupt the clean-up the first one started.
    for sig in _SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")
                 if hasattr(signal, n))


def handle_signals():
    """Turn Ctrl-C, ``SIGTERM``, ``SIGHUP`` and ``SIGQUIT`` into :class:`Interrupted` (main
    thread only; ``SIGQUIT`` would otherwise end the process with its temporaries left).

    The exception unwinds through every ``with`` block, so temporary files are removed
    exactly as for Ctrl-C.
    """
    for sig in _SIGNALS:
        if signal.getsignal(sig) is not signal.SIG_IGN:  # e.g. nohup's ignored SIGHUP
            signal.signal(sig, _on_signal)


def dispatch(parser, args):
    """Run the command that ``args`` (parsed by ``parser``) names; returns the exit status."""
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        prepare = getattr(args, "prepare", None)
        early = prepare(args) if prepare else None  # cheap checks, before heavy imports
        if early is not None:
            return int(early)
        if getattr(args, "needs_backend", False):
            # Commands that train import Keras here, with TensorFlow's C++ start-up lines
            # kept off the terminal (safe: nothing else runs yet); without the train extra
            # this says in one sentence what to install.
            from ..model.backend import import_keras

            import_keras(quiet=True)
        return int(args.func(args) or 0)
    except MixinError as exc:
        print(f"mixin: {exc}", file=sys.stderr)
        return 1
    except MemoryError:
        print("mixin: not enough memory for this job; split the input or close other "
              "programs.", file=sys.stderr)
        return 1
    except OSError as exc:  # a file-system failure no check foresaw: still one sentence
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"mixin: {exc.strerror or exc}{where}.", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        print("\nmixin: interrupted; no partial files were left.", file=sys.stderr)
        return 128 + getattr(exc, "signum", signal.SIGINT)


def run(argv=None):
    """Console-script entry point.

    Commands that set ``fast_exit`` (``separate``) end the process with ``os._exit`` once
    their streams are flushed: every file they write is closed and renamed into place before
    :func:`dispatch` returns, and the interpreter's own shutdown (freeing the runtime's
    objects and thread pools) is time that nobody needs.
    """
    guard_std_streams()
    handle_signals()
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        code = dispatch(parser, args)
    except KeyboardInterrupt as exc:  # before dispatch took over (parsing, imports)
        print("\nmixin: interrupted; no partial files were left.", file=sys.stderr)
        code, args = 128 + getattr(exc, "signum", signal.SIGINT), None
    except Exception as exc:  # a bug: one line, and no abort with the runtime's threads alive
        print(f"mixin: internal error ({type(exc).__name__}: {exc}); please report it.",
              file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(70)
    if getattr(args, "fast_exit", False) or ("tensorflow" in sys.modules
                                             and (args is None or code >= 128)):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
