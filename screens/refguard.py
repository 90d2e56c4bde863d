"""Keeps None, True and False alive under a PySide6 build that drops references to them.

PySide6 6.12 (the abi3 wheel) on Python 3.11 returns None from void methods (setText, update,
processEvents, ...) and True from Signal.emit() without the reference it owes the caller: each
call lowers the object's count by one, and when a count reaches zero the interpreter aborts
("none_dealloc: deallocating None"). Widget constructors happen to leak references the other
way, so a renderer that rebuilt every screen drifted up; one that updates widgets in place drifts
down, by about 10-14 references per screen shown (bench/ui.py prints the drift), which would
stop a kiosk after some thousands of screens. From Python 3.12 these objects are immortal and
the bug is harmless. Until the dependency is fixed, `top_up()` (run by the window's pump and by
the headless renderer) raises a count that fell below FLOOR by BATCH: the three singletons are
never freed anyway, so an extra reference costs nothing.
"""

from __future__ import annotations

import ctypes
import sys

FLOOR = 30_000
BATCH = 10_000  # ~10 ms of Py_IncRef calls, once every few hundred screens
NEEDED = sys.version_info < (3, 12)

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


def top_up() -> int:
    """References added (0 when every count is above FLOOR, or on Python >= 3.12)."""
    if not NEEDED:
        return 0
    added = 0
    for obj in (None, True, False):
        if sys.getrefcount(obj) < FLOOR:
            for _ in range(BATCH):
                _incref(obj)
            added += BATCH
    return added
