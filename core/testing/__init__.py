"""Testing helpers: in-process clients (``TestClient``, ``AsyncTestClient``) and, in
``hornbeam.testing.conformance``, the contract tests any plugin's component can run against itself."""

from ._clients import AsyncTestClient, LifespanFailed, TestClient
from ._websocket import AsyncWebSocketSession, WebSocketDenied, WebSocketSession

__all__ = ["TestClient", "AsyncTestClient", "LifespanFailed", "WebSocketSession", "AsyncWebSocketSession", "WebSocketDenied"]
