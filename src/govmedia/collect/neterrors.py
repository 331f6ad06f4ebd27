"""Network failures as a stable error code plus one Chinese sentence for people.

The codes are the ones FetchResult.error promises: dns, refused, reset, timeout, tls,
too_large, redirect_loop, too_many_redirects, protocol, invalid_url.
"""

from __future__ import annotations

import errno
import socket
import ssl

import httpx

ERROR_CODES = (
    "dns",
    "refused",
    "reset",
    "timeout",
    "tls",
    "too_large",
    "redirect_loop",
    "too_many_redirects",
    "protocol",
    "invalid_url",
)

_DNS_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo",
    "temporary failure in name resolution",
    "no address associated",
    "name resolution",
)


def _seconds(value: float) -> str:
    return f"{value:g}"


def timeout_detail(kind: str, seconds: float) -> str:
    """Return the Chinese sentence for a timeout of kind connect, read or total."""
    what = {"connect": "连接超时", "read": "等待服务器应答超时"}.get(kind, "请求总时间超时")
    return f"{what}（{_seconds(seconds)}秒）"


def too_large_detail(max_bytes: int) -> str:
    """Return the Chinese sentence for a body cut at the size cap."""
    return f"页面超过大小上限（{max_bytes / 1_000_000:g}MB），只读取了前{max_bytes / 1_000_000:g}MB"


def redirect_loop_detail(url: str) -> str:
    """Return the Chinese sentence for a redirect loop that comes back to url."""
    return f"重定向形成循环（又回到 {url}）"


def too_many_redirects_detail(limit: int) -> str:
    """Return the Chinese sentence for a redirect chain longer than limit."""
    return f"重定向次数超过{limit}次"


def invalid_url_detail(url: str) -> str:
    """Return the Chinese sentence for a URL that cannot be requested."""
    return f"网址无效，无法访问：{url[:200]}"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 10:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def _from_os_error(exc: BaseException) -> tuple[str, str] | None:
    if isinstance(exc, socket.gaierror):
        return "dns", "域名无法解析（DNS 查询失败）"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "tls", f"HTTPS 证书无效（{exc.verify_message or exc.reason}）"
    if isinstance(exc, ssl.SSLError):
        return "tls", f"HTTPS 加密连接失败（{exc.reason or exc}）"
    if isinstance(exc, ConnectionRefusedError):
        return "refused", "连接被拒绝（服务器未在该端口提供服务）"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return "reset", "连接被服务器重置"
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "refused", "网络不可达，无法连接服务器"
    return None


def classify(exc: BaseException, *, connect: float, total: float) -> tuple[str, str]:
    """Return (error code, Chinese detail) for an exception raised while fetching."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "timeout", timeout_detail("connect", connect)
    if isinstance(exc, httpx.ReadTimeout):
        return "timeout", timeout_detail("read", total)
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "timeout", timeout_detail("total", total)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "invalid_url", f"网址无效或协议不受支持（{exc}）"
    for cause in _chain(exc):
        if found := _from_os_error(cause):
            return found
    text = str(exc).lower()
    if any(word in text for word in _DNS_WORDS):
        return "dns", "域名无法解析（DNS 查询失败）"
    if "ssl" in text or "certificate" in text or "tls" in text:
        return "tls", f"HTTPS 加密连接失败（{exc}）"
    if "refused" in text or "connect call failed" in text:
        return "refused", "连接被拒绝（服务器未在该端口提供服务）"
    if "reset" in text or "broken pipe" in text:
        return "reset", "连接被服务器重置"
    if "without sending a response" in text or "server disconnected" in text:
        return "reset", "服务器未作应答就断开了连接"
    if isinstance(exc, httpx.ConnectError):
        return "refused", f"无法连接服务器（{exc}）"
    if isinstance(exc, httpx.DecodingError):
        return "protocol", "服务器返回的压缩内容无法解开"
    if "incomplete" in text or "peer closed" in text:
        return "protocol", "服务器未发完声明长度的内容就断开了连接（内容不完整）"
    if isinstance(exc, httpx.HTTPError):
        return "protocol", f"服务器的应答不符合 HTTP 协议（{exc}）"
    return "protocol", f"请求失败（{type(exc).__name__}: {exc}）"
