"""Delivery and pick-up runs: per depot, day and driver, with ordered stops and a run sheet."""
