"""PIN pad: EPP-like contract (key events out, a PIN block at the end, never the clear PIN)."""
