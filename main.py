"""Launch the MiXiN desktop app (the command line is ``mixin``)."""
from mixin_gui.gui.app import main

raise SystemExit(main())
