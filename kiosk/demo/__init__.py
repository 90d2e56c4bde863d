"""Demo mode: emulated devices and an embedded core on loopback, the scripted headless tour, and
the screen audit that walks the same kiosk through every journey."""
