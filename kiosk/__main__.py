"""`python -m kiosk` and the frozen executable both start here."""

from kiosk.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
