"""Use cases: each takes a session (a unit of work) and plain values, never Telegram objects."""
