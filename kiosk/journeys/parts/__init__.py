"""The parts customer journeys are built from: keypad entry, tender, receipt, card session."""
