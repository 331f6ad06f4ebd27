"""A small HTTP server on 127.0.0.1 that serves the sandbox world's routes.

Each sandbox module (wechat_api, mp_pages, feeds, sites) contributes routes: (method, regex,
handler). The server runs in a background thread and stops when the context ends; the port is
chosen by the OS (127.0.0.1:0) and read back, so tests never collide.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    match: re.Match[str] | None = None

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    # Set to a callable to take over the raw socket (used by fault routes: drop, truncate).
    raw: Callable[[BaseHTTPRequestHandler], None] | None = None


def json_response(data: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(data, ensure_ascii=False),
                    "application/json; charset=utf-8")


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


def route(method: str, pattern: str, handler: Handler) -> Route:
    return Route(method.upper(), re.compile(pattern + r"\Z"), handler)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up mid-response (a browser leaving a page, a timed-out fetch) is
        # normal here; anything else is a sandbox bug and is printed.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _make_handler(routes: list[Route]) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without TCP_NODELAY the body waits for the
        # client's delayed ACK (~40 ms) on every keep-alive response.
        disable_nagle_algorithm = True

        def log_message(self, *_args: Any) -> None:  # keep test output clean
            pass

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            req = Request(self.command, parts.path, query, dict(self.headers.items()), body)
            resp = Response(404, "<html><body>not found</body></html>")
            for r in routes:
                if r.method in (self.command, "*") and (m := r.pattern.match(parts.path)):
                    req.match = m
                    resp = r.handler(req)
                    break
            if resp.raw is not None:
                resp.raw(self)
                self.close_connection = True
                return
            data = resp.body.encode("utf-8") if isinstance(resp.body, str) else resp.body
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.content_type)
            self.send_header("Content-Length", str(len(data)))
            for k, v in resp.headers.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_HEAD = _serve

    return H


@contextmanager
def serve(routes: list[Route], host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve routes on host:port (0 = any free port); yield the base URL, stop on exit."""
    server = _Server((host, port), _make_handler(routes))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
