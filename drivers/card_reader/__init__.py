"""Card reader: PC/SC driver, EMV contact read, magnetic stripe fallback and the virtual card."""
