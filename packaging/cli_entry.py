"""Entry point of the bundled command line (``mixin-cli``)."""
import multiprocessing

from mixin_gui.cli.app import run

if __name__ == "__main__":
    multiprocessing.freeze_support()  # worker processes of a frozen app start here too
    run()
