"""Local receivers for the monitor's alerts: a webhook server and an SMTP server on 127.0.0.1.

WebhookReceiver records every POST (path, query, headers, JSON) and answers like the robots
do: {"errcode": 0, "errmsg": "ok"} on /wecom... and /dingtalk..., {"code": 0, "msg": "success"}
on /feishu..., 200 {} elsewhere; `fail(path, n, status, body)` makes the next n posts to a path
answer with that status and body instead. SmtpReceiver is aiosmtpd's Controller on a port the
OS picks, recording each message, optionally with STARTTLS or implicit TLS and a login.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass
class Post:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    base: str = ""
    posts: list[Post] = field(default_factory=list)
    failures: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base + path

    def fail(self, path: str, times: int, status: int = 500, body: Any = None) -> None:
        with self.lock:
            self.failures.setdefault(path, []).extend([(status, body)] * times)

    def posts_to(self, path: str) -> list[Post]:
        with self.lock:
            return [p for p in self.posts if p.path == path]

    def answer(self, post: Post) -> tuple[int, Any]:
        with self.lock:
            self.posts.append(post)
            queued = self.failures.get(post.path)
            if queued:
                return queued.pop(0)
        if post.path.startswith(("/wecom", "/dingtalk")):
            return 200, {"errcode": 0, "errmsg": "ok"}
        if post.path.startswith("/feishu"):
            return 200, {"code": 0, "msg": "success", "data": {}}
        return 200, {}


@contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """Serve a WebhookReceiver on 127.0.0.1 (a free port) until the context ends."""
    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            post = Post(parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()},
                        {k.lower(): v for k, v in self.headers.items()}, body)
            status, answer = receiver.answer(post)
            data = json.dumps(answer if answer is not None else {"error": "down"}).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpReceiver:
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content,
                                                policy=policy.default))
        return "250 OK"


class _FreePortController(Controller):
    """aiosmtpd's Controller on port 0: the OS picks the port, read back before the check."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def smtp_receiver(**kwargs: Any) -> Iterator[SmtpReceiver]:
    """Serve an SmtpReceiver on 127.0.0.1; kwargs go to aiosmtpd (tls_context, ssl_context,
    require_starttls; login=(user, password) turns on AUTH)."""
    receiver = SmtpReceiver()
    login = kwargs.pop("login", None)
    if login is not None:

        def authenticate(_server: Any, _session: Any, _envelope: Any, _mechanism: str,
                         data: Any) -> AuthResult:
            user = data.login.decode() if isinstance(data.login, bytes) else data.login
            pw = data.password.decode() if isinstance(data.password, bytes) else data.password
            ok = (user, pw) == login
            if ok:
                receiver.logins.append(user)
            return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 itself

        # aiosmtpd counts only STARTTLS as TLS for AUTH; on implicit TLS the link is TLS too.
        kwargs.update(authenticator=authenticate,
                      auth_require_tls="ssl_context" not in kwargs)
    controller = _FreePortController(receiver, hostname="127.0.0.1", port=0, **kwargs)
    controller.start()
    receiver.port = controller.port
    try:
        yield receiver
    finally:
        controller.stop()


# A small world for the monitor, shaped like the demo (seed 001 categories): one healthy
# account, one silent for 11 days (freshness.warning), one silent past the 2-week veto.
SCENARIO = """
accounts:
- name: 青禾发布
  owner: 青禾省人民政府办公厅
  category: provincial_gov
  province: 青禾
  feed: true
  articles:
  - {title: 青禾省政府常务会议研究部署冬季安全生产工作, days_ago: 0.5, via: masssend}
  - {title: 图解｜青禾省优化营商环境条例要点, days_ago: 3, via: publish}
- name: 青禾生态环境
  owner: 青禾省生态环境厅
  category: provincial_dept
  province: 青禾
  articles:
  - {title: 青禾省10月环境空气质量状况通报, days_ago: 11.2, via: publish}
  - {title: 秋冬季大气污染防治攻坚方案解读, days_ago: 19, via: masssend}
- name: 青禾民政
  owner: 青禾省民政厅
  category: provincial_dept
  province: 青禾
  articles:
  - {title: 青禾省开展困难群众冬季救助专项行动, days_ago: 20, via: publish}
  - {title: 养老服务补贴申领指南, days_ago: 30, via: publish}
"""
HEALTHY, SILENT_11, SILENT_20 = "青禾发布", "青禾生态环境", "青禾民政"
NO_BROWSER = "/nonexistent/chromium"  # the phone checks say 未能检查: the monitor needs none


def load_monitor_world(tmp_path: Any, now: Any) -> Any:
    """Return the SCENARIO world at now (not served)."""
    from govmedia.sandbox import load_world

    path = tmp_path / "monitor-world.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return load_world(now, path)


def account(world: Any, name: str) -> Any:
    return next(a for a in world.accounts if a.name == name)


def publish(world: Any, name: str, title: str, sent_at: Any) -> None:
    """Add a freshly published (发布) article to an account of a running world."""
    from govmedia.sandbox.world import SandboxArticle

    acc = account(world, name)
    short = hashlib.sha1(f"{name}-{title}".encode()).hexdigest()[:22]
    acc.articles.append(SandboxArticle(id=short, title=title, sent_at=sent_at, via="publish",
                                       body=f"<p>{title}。</p>", author=acc.owner))
