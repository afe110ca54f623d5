from presswatch.cli import main

raise SystemExit(main())
