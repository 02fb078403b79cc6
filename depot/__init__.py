"""The base domain and shared kernel of the assistive-devices system."""
