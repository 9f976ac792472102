"""Command-line front ends; ``main(argv)`` is callable in-process."""

from .app import main

__all__ = ["main"]
