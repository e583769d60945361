"""Testing helpers: in-process clients (``TestClient``, ``AsyncTestClient``) and, in
``hornbeam.testing.conformance``, the contract tests any plugin's component can run against itself."""

from ._clients import AsyncTestClient, LifespanFailed, TestClient

__all__ = ["TestClient", "AsyncTestClient", "LifespanFailed"]
