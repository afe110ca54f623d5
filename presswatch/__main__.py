"""`python -m presswatch`: the same command line as `presswatch`."""

from presswatch.cli import main

raise SystemExit(main())
