"""``python -m kneestudy`` runs the command line."""

from kneestudy.cli import main

raise SystemExit(main())
