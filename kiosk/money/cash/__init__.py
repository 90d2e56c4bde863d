"""Cash handling policy shared by every cash journey: escrow decisions, overpayment, cashbox
counters and the start-up reconciliation of the journal against the device's own counters."""
