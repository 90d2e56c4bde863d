"""Cash dispenser: contract (storage units, mixes, present/taken events) and backends."""
