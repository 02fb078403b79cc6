"""Fixtures for the demo-data tests."""

import pytest

from depot.demo.seed import DEFAULT_PASSWORD


@pytest.fixture
def demo_password():
    return DEFAULT_PASSWORD
