"""mpp_kit — the one way every mpp-platform service does settings, events, the outbox,
idempotent consumers, HTTP errors, auth checks, metrics and logs."""
