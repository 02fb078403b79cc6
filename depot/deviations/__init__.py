"""Deviation cases: a device delivered by another party than the catalogue suggests."""
