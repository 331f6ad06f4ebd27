"""Named fault resources under /fault/, for testing the downloader against a misbehaving site.

Serve them with govmedia.sandbox.server.serve(faults.routes()). Socket-level faults take over
the connection through Response.raw. Stateful faults (429 once, 503 twice) count per client
key: the `key` query parameter when given, else the client's User-Agent. Each routes() call has
its own counters.

/fault/status/<n>         answer with status n
/fault/delay/<ms>         answer 200 after ms milliseconds
/fault/drop               close the connection without answering
/fault/reset              reset the connection (TCP RST) without answering
/fault/truncate           Content-Length larger than the body, then close
/fault/huge               stream a body without end (up to ?mb=, default 64 MB)
/fault/redirect-loop      302 to /fault/redirect-loop/b, which 302s back
/fault/redirect/<n>       a chain of n redirects ending in a 200 page
/fault/gbk-page           GBK Chinese page, charset only in <meta>
/fault/gbk-page/no-charset  GBK Chinese page, no charset declared anywhere
/fault/gb2312-header      GB2312 Chinese page, charset only in the Content-Type header
/fault/slow-body          trickle the body one byte every ?interval_ms= (default 200)
/fault/retry-after-429    429 with Retry-After: 1 the first time, then 200
/fault/flaky-503          503 twice, then 200
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

from govmedia.sandbox.server import Request, Response, Route, route

GBK_TEXT = (
    "<h1>关于开展2024年度政务新媒体检查工作的通知</h1>"
    "<p>各区县人民政府、市政府各部门：为进一步加强政务新媒体管理，现将有关事项通知如下。</p>"
)
ARRIVED = "<html><head><title>已到达</title></head><body><p>重定向终点页面</p></body></html>"


def _page(title: str, charset_meta: str = "") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return f"<html><head>{meta}<title>{title}</title></head><body>{GBK_TEXT}</body></html>"


def _raw(payload: Callable[[BaseHTTPRequestHandler], None]) -> Response:
    return Response(raw=payload)


def _drop(_h: BaseHTTPRequestHandler) -> None:
    return None  # the server closes the connection: no status line was sent


def _reset(h: BaseHTTPRequestHandler) -> None:
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()


def _truncate(h: BaseHTTPRequestHandler) -> None:
    body = "<html><body><p>这个页面只发送了一部分".encode()
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        "Content-Length: 10000\r\nConnection: close\r\n\r\n"
    ).encode("ascii")
    h.wfile.write(head + body)
    h.wfile.flush()


def _huge(req: Request) -> Response:
    limit = int(req.query.get("mb", "64")) * 1_000_000

    def stream(h: BaseHTTPRequestHandler) -> None:
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Connection: close\r\n\r\n"
        )
        chunk = ("<p>" + "很长的页面内容" * 3000 + "</p>\n").encode()
        try:
            h.wfile.write(head)
            sent = 0
            while sent < limit:
                h.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            return  # the client stopped reading: that is the point

    return _raw(stream)


def _slow_body(req: Request) -> Response:
    interval = int(req.query.get("interval_ms", "200")) / 1000

    def trickle(h: BaseHTTPRequestHandler) -> None:
        body = b"<html><body>" + b"." * 2000 + b"</body></html>"
        head = (
            f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode("ascii")
        try:
            h.wfile.write(head)
            for i in range(len(body)):
                h.wfile.write(body[i : i + 1])
                time.sleep(interval)
        except OSError:
            return

    return _raw(trickle)


def _counted(
    fail_times: int, status: int, headers: dict[str, str]
) -> Callable[[Request], Response]:
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def handler(req: Request) -> Response:
        agent = next((v for k, v in req.headers.items() if k.lower() == "user-agent"), "")
        key = req.query.get("key") or agent
        with lock:
            seen[key] += 1
            count = seen[key]
        if count <= fail_times:
            return Response(
                status, f"<html><body>稍后再试（第{count}次）</body></html>", headers=headers
            )
        return Response(200, f"<html><body>成功（第{count}次请求）</body></html>")

    return handler


def _redirect_chain(req: Request) -> Response:
    n = int(req.match.group(1)) if req.match else 0
    if n <= 0:
        return Response(200, ARRIVED)
    return Response(302, "", headers={"Location": f"/fault/redirect/{n - 1}"})


def routes() -> list[Route]:
    """Return the /fault/ routes, each with its own fresh per-client counters."""
    return [
        route("*", r"/fault/status/(\d{3})", _status),
        route("*", r"/fault/delay/(\d+)", _delay),
        route("*", r"/fault/drop", lambda _r: _raw(_drop)),
        route("*", r"/fault/reset", lambda _r: _raw(_reset)),
        route("*", r"/fault/truncate", lambda _r: _raw(_truncate)),
        route("*", r"/fault/huge", _huge),
        route(
            "*",
            r"/fault/redirect-loop",
            lambda _r: Response(302, "", headers={"Location": "/fault/redirect-loop/b"}),
        ),
        route(
            "*",
            r"/fault/redirect-loop/b",
            lambda _r: Response(302, "", headers={"Location": "/fault/redirect-loop"}),
        ),
        route("*", r"/fault/redirect/(\d+)", _redirect_chain),
        route(
            "*",
            r"/fault/gbk-page",
            lambda _r: Response(200, _page("政务公开", "gbk").encode("gbk"), "text/html"),
        ),
        route(
            "*",
            r"/fault/gbk-page/no-charset",
            lambda _r: Response(200, _page("政务公开").encode("gbk"), "text/html"),
        ),
        route(
            "*",
            r"/fault/gb2312-header",
            lambda _r: Response(
                200, _page("通知公告").encode("gb2312"), "text/html; charset=gb2312"
            ),
        ),
        route("*", r"/fault/slow-body", _slow_body),
        route("*", r"/fault/retry-after-429", _counted(1, 429, {"Retry-After": "1"})),
        route("*", r"/fault/flaky-503", _counted(2, 503, {})),
    ]


def _status(req: Request) -> Response:
    code = int(req.match.group(1)) if req.match else 500
    return Response(code, f"<html><body>状态码 {code}</body></html>")


def _delay(req: Request) -> Response:
    ms = int(req.match.group(1)) if req.match else 0
    time.sleep(ms / 1000)
    return Response(200, f"<html><body>延迟 {ms} 毫秒后的应答</body></html>")
