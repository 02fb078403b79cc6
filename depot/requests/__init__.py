"""Requests: a therapist asks for devices for a citizen; the depot reserves and delivers them."""
