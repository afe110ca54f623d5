"""Where the CLI finds the project's flows (imported before anything heavy)."""

from __future__ import annotations

import sys


def project_first() -> None:
    """This project's folder first on sys.path, so a `flows/` folder in the working directory cannot
    shadow the project's flows."""
    from presswatch.settings import PROJECT_ROOT

    root = str(PROJECT_ROOT)
    if sys.path[:1] != [root]:
        sys.path.insert(0, root)
