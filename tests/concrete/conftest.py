"""Fixtures shared by the concrete tests: a site with its chief supervision engineer, and a press."""

from tests.concrete.test_custody import press, site

__all__ = ["press", "site"]
