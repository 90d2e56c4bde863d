"""Kiosk application core: journeys, money, journal, config and the composition root.

Nothing in this package imports Qt; screens/ is the only GUI package.
"""

__version__ = "0.1.0"
