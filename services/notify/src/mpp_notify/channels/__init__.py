"""Channel adapters: one small interface, ``async send(message) -> DeliveryResult``."""
