"""Admission notices and discharge handovers between hospital and municipality."""
