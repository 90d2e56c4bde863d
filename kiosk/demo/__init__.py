"""Demo mode: emulated devices and an embedded core on loopback, and the scripted headless tour."""
