"""Command-line front ends; ``main(argv)`` is callable in-process."""

from .main import main

__all__ = ["main"]
