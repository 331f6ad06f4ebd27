"""Plain text out of a draft: a text file in any common charset, an HTML page, a .docx file.

The offsets of every finding point into the text returned here. Input that is not a draft
(binary data, an empty file, bytes in no known charset) raises ExtractError with a Chinese
message that the command prints as is.
"""

from __future__ import annotations

import io
import re
import zipfile

from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_BLOCKS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
           "article", "blockquote", "td", "th", "title")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ExtractError(ValueError):
    """The input cannot be read as a draft; the message is Chinese and names the reason."""


def decode_text(raw: bytes) -> str:
    """Return the text of a plain-text file: BOM, UTF-8, GB18030, then detection."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(name, "replace")
    if b"\x00" in raw[:4096]:
        raise ExtractError("输入看起来是二进制文件，不是文本、HTML 或 .docx 文稿")
    for name in ("utf-8", "gb18030"):
        try:
            text = raw.decode(name)
            break
        except UnicodeDecodeError:
            continue
    else:
        best = from_bytes(raw[:200_000]).best()
        if best is None:
            raise ExtractError("无法识别文件编码（不是 UTF-8、GBK/GB18030 等常见编码）")
        text = raw.decode(best.encoding, "replace")
    if len(_CONTROL.findall(text[:10_000])) > 10:
        raise ExtractError("输入含大量控制字符，看起来是二进制文件而不是文本文稿")
    return text


def html_text(markup: str) -> str:
    """Return the visible text of an HTML page, one line per block element."""
    tree = LexborHTMLParser(markup)
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    for tag in _BLOCKS:
        for node in tree.css(tag):
            node.insert_after("\n")
    root = tree.body or tree.root
    text = root.text(separator="", strip=False) if root is not None else ""
    if tree.head is not None and (title := tree.css_first("title")) is not None:
        text = title.text(strip=True) + "\n" + text
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def docx_text(raw: bytes) -> str:
    """Return the paragraphs and table cells of a .docx file, one per line."""
    import docx  # python-docx; imported here so that plain-text checks do not pay for it

    try:
        doc = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractError(f"无法读取 .docx 文件（{type(exc).__name__}）：文件可能已损坏") from None
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(line for line in lines if line.strip())


def extract(raw: bytes, name: str = "") -> str:
    """Return the plain text of a draft given as bytes; the name's suffix picks the format."""
    lower = name.lower()
    if not raw.strip():
        raise ExtractError("输入为空，没有可检查的文字")
    if lower.endswith(".docx") or (raw.startswith(b"PK\x03\x04") and not lower.endswith(
            (".txt", ".html", ".htm"))):
        text = docx_text(raw)
    elif lower.endswith(".doc"):
        raise ExtractError("不支持旧版 .doc 格式，请另存为 .docx 或纯文本后再检查")
    else:
        text = decode_text(raw)
        head = text.lstrip()[:200].lower()
        if lower.endswith((".html", ".htm")) or head.startswith(("<!doctype html", "<html")):
            text = html_text(text)
    if not text.strip():
        raise ExtractError("文稿中没有可检查的文字")
    return text
