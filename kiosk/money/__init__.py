"""Money and its books: amounts, bills, the journal, the ledger, cash accounting, recovery."""
