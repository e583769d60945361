"""HTTP/1.1 over a raw socket, for requests httpx would refuse to send (malformed paths, lying headers)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .conftest import Server

# What uvicorn answers when its own parser refuses a request: the app never saw it.
SERVER_REFUSAL = b"Invalid HTTP request received."


@dataclass
class Reply:
    raw: bytes
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def parse(cls, raw: bytes) -> Reply:
        reply = cls(raw)
        if not raw:
            return reply
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        reply.status = int(lines[0].split(" ")[1])
        for line in lines[1:]:
            name, _, value = line.partition(":")
            reply.headers.setdefault(name.strip().lower(), value.strip())
        if reply.headers.get("transfer-encoding") == "chunked":
            reply.body = dechunk(body)
        else:
            reply.body = body[: int(reply.headers.get("content-length", len(body)))]
        return reply


def dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2 :]
    return bytes(out)


def exchange(server: Server, request: bytes, *, body_chunks: Iterator[bytes] = iter(()), end: str = "") -> Reply:
    """Send ``request`` (then ``body_chunks``) and read everything the server sends until it closes.

    ``end``: "" keeps the connection open for the answer; "half" shuts the writing
    side after sending; "close" closes the socket without reading at all.
    """
    parts = urlsplit(server.url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
    try:
        try:
            sock.sendall(request)
            for chunk in body_chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (and closed) before taking it all: read the answer
        if end == "close":
            return Reply(b"")
        if end == "half":
            sock.shutdown(socket.SHUT_WR)
        received = bytearray()
        while True:
            try:
                data = sock.recv(1 << 20)
            except ConnectionResetError:
                break
            if not data:
                break
            received += data
        return Reply.parse(bytes(received))
    finally:
        sock.close()


def http_request(method: str, target: bytes, headers: dict[str, str] | None = None, body: bytes | None = None) -> bytes:
    lines = [method.encode("latin-1") + b" " + target + b" HTTP/1.1", b"Host: test", b"Connection: close"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}".encode("latin-1"))
    if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k in headers or {}):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")
