"""The rules of booking, as data and pure functions (no I/O)."""
