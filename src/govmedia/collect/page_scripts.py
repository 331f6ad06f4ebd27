"""Values from the inline scripts of a WeChat article page, read without running JavaScript.

Two generations (collection.md §2.2, §2.4): classic `var name = "…" || "";` assignments, and
the `window.cgiDataNew = { key: JsDecode('…'), key: '…' * 1, … }` block that picture and text
posts carry alone. A small tokenizer reads both; page JavaScript is never executed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_STRING = r""""(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'"""
_VAR = re.compile(r"\bvar\s+([A-Za-z_$][\w$]*)\s*=\s*(?:htmlDecode\(\s*)?")
_STRING_AT = re.compile(_STRING, re.S)
_OR = re.compile(r"\s*\|\|\s*")
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|\n|.)", re.S)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0", "\n": ""}
_CGI_START = re.compile(r"window\.cgiDataNew\s*=\s*\{")
_TOKEN = re.compile(
    rf"""\s*(?:(?P<skey>{_STRING})\s*:(?!:)|(?P<str>{_STRING})|(?P<key>[A-Za-z_$][\w$]*)\s*:(?!:)
    |(?P<ident>[A-Za-z_$][\w$]*)|(?P<open>[{{\[])|(?P<close>[}}\]])|(?P<num>-?\d+(?:\.\d+)?)
    |(?P<other>.))""",
    re.S | re.X,
)
PICTURE_LIST = "picture_page_info_list"


def js_unescape(body: str) -> str:
    """Return the text of a JavaScript string literal body (\\xNN, \\uNNNN, \\n, ... decoded)."""

    def one(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] == "x" and len(esc) == 3:
            return chr(int(esc[1:], 16))
        if esc.startswith("u{"):
            return chr(int(esc[2:-1], 16))
        if esc[0] == "u" and len(esc) == 5:
            return chr(int(esc[1:], 16))
        return _SIMPLE.get(esc, esc)

    text = _ESCAPE.sub(one, body)
    # \uD83D\uDE00-style pairs come out as lone surrogates: join them into one character.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _literal(token: str) -> str:
    return js_unescape(token[1:-1])


def classic_vars(script: str) -> dict[str, str]:
    """Return `var name = "value"` assignments (first one wins; first non-empty of `a || b`)."""
    found: dict[str, str] = {}
    for m in _VAR.finditer(script):
        name, pos, values = m.group(1), m.end(), []
        while (s := _STRING_AT.match(script, pos)) is not None:
            values.append(_literal(s.group(0)))
            if (o := _OR.match(script, s.end())) is None:
                break
            pos = o.end()
        if values and name not in found:
            found[name] = html.unescape(next((v for v in values if v), ""))
    return found


@dataclass
class CgiData:
    """The top-level string/number fields of window.cgiDataNew, plus what nested lists hold."""

    fields: dict[str, str] = field(default_factory=dict)
    nested: dict[tuple[str, ...], str] = field(default_factory=dict)
    pictures: int = 0


def cgi_data_new(script: str) -> CgiData | None:
    """Return the window.cgiDataNew block's values, or None when the page has none."""
    start = _CGI_START.search(script)
    if start is None:
        return None
    data = CgiData()
    stack: list[tuple[str, str | None]] = [("{", None)]
    pending: str | None = None
    pos = start.end()
    while stack and pos < len(script):
        m = _TOKEN.match(script, pos)
        if m is None:
            break
        pos = m.end()
        kind = m.lastgroup
        if kind in ("key", "skey"):
            pending = m.group("key") or _literal(m.group("skey"))
        elif kind in ("str", "num") and pending is not None:
            value = _literal(m.group("str")) if kind == "str" else m.group("num")
            path = tuple(k for _, k in stack if k) + (pending,)
            if len(stack) == 1:
                data.fields.setdefault(pending, value)
            else:
                data.nested.setdefault(path, value)
            pending = None
        elif kind == "open":
            if stack[-1] == ("[", PICTURE_LIST) and m.group("open") == "{":
                data.pictures += 1
            stack.append((m.group("open"), pending))
            pending = None
        elif kind == "close":
            stack.pop()
            pending = None
    return data
