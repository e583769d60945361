"""Fixtures shared by the core tests."""

from ._cli import app_module

__all__ = ["app_module"]
