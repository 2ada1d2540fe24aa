"""The notify service: every event a citizen or an agency should hear about, delivered once."""
