"""EMV contact read on top of any APDU transport (PC/SC in the field, a function in tests)."""
