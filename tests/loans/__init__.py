"""Tests of loans: the loan list, pick-ups and the settlement between organisations."""
