"""The clarification catalogue: who is responsible for a device, per ISO 9999 code."""
