import sys

from workbench.lifeline import tie_to_parent

tie_to_parent()

from workbench.cli import main  # noqa: E402 - tied to the parent before the slow imports

sys.exit(main())
