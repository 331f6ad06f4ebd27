"""`govmedia check text`: the wording review of a draft before it is published (先审后发).

Reads a text file (any common charset), an HTML page or a .docx file, or standard input
("-"), and reports serious wording errors, outdated names, sensitive words, formalism and
personal information. Exit code 0: nothing found; 1: findings; 2: the input is unusable.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from govmedia.checks.privacy import KINDS
from govmedia.checks.privacy import find as find_personal
from govmedia.commands.common import console, fail
from govmedia.wording.extract import ExtractError, extract
from govmedia.wording.hits import PERSONAL_INFO, Hit
from govmedia.wording.lexicon import LexiconError, builtin_lexicon, read_word_list, with_words
from govmedia.wording.rules import scan

CHECK_NAMES = {
    "wording.serious_error": "严重表述错误",
    "wording.outdated_name": "过时名称",
    "wording.sensitive": "敏感/不规范用语",
    "wording.formalism": "形式主义",
    PERSONAL_INFO: "个人信息",
}


def review(text: str, published: date | None, words: tuple[str, ...] = ()) -> list[Hit]:
    """Return every wording and personal-information hit in a draft, sorted by offset."""
    lexicon = with_words(builtin_lexicon(), words) if words else builtin_lexicon()
    found = scan(text, published, lexicon)
    for item in find_personal(text):
        kind = KINDS[item["kind"]]
        found.append(Hit(PERSONAL_INFO, item["start"], item["end"], item["masked"], "删除或遮盖",
                         f"公开了个人信息：{kind} {item['masked']}", item["kind"]))
    return sorted(found, key=lambda h: (h.start, h.end, h.check))


def line_col(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _read(source: str) -> tuple[bytes, str]:
    if source == "-":
        return sys.stdin.buffer.read(), ""
    path = Path(source)
    if not path.is_file():
        fail(f"找不到文件：{source}")
    try:
        return path.read_bytes(), path.name
    except OSError as exc:
        fail(f"无法读取文件 {source}：{exc.strerror}")


def check_text(
    source: Annotated[str, typer.Argument(help="文稿文件（.txt/.html/.docx），“-” 表示标准输入")],
    published: Annotated[str, typer.Option(
        "--published", help="发布日期 YYYY-MM-DD（判断机构名称是否已变更；默认今天）")] = "",
    fmt: Annotated[str, typer.Option("--format", help="输出格式：table 或 json")] = "table",
    show_text: Annotated[bool, typer.Option(
        "--show-text", help="同时输出提取出的纯文本（偏移量以此为准）")] = False,
    words: Annotated[str, typer.Option("--words", help="自定义敏感词表文件（每行一个词）")] = "",
) -> None:
    """检查文稿表述：严重表述错误、过时名称、敏感词、形式主义和个人信息。"""
    if fmt not in ("table", "json"):
        fail(f"不支持的输出格式：{fmt}（可选 table 或 json）")
    try:
        day = date.fromisoformat(published) if published else date.today()
    except ValueError:
        fail(f"发布日期格式错误：{published}（应为 YYYY-MM-DD）")
    try:
        extra = read_word_list(words) if words else ()
    except LexiconError as exc:
        fail(str(exc))
    raw, name = _read(source)
    try:
        text = extract(raw, name)
    except ExtractError as exc:
        fail(str(exc))
    hits = review(text, day, extra)
    if fmt == "json":
        out: dict[str, object] = {"findings": [h.to_dict() for h in hits]}
        if show_text:
            out["text"] = text
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    else:
        _table(text, hits, show_text)
    raise typer.Exit(1 if hits else 0)


def _table(text: str, hits: list[Hit], show_text: bool) -> None:
    if show_text:
        console.print(text, markup=False, highlight=False)
        console.print()
    if not hits:
        console.print(f"未发现问题（共检查 {len(text)} 个字符）。")
        return
    table = Table(title=f"发现 {len(hits)} 处问题", show_lines=False)
    for col in ("位置", "类别", "原文", "建议", "说明"):
        table.add_column(col, overflow="fold")
    for h in hits:
        line, col = line_col(text, h.start)
        cells = (f"{line}:{col}", CHECK_NAMES.get(h.check, h.check), h.text, h.suggestion,
                 h.message)
        table.add_row(*(Text(c) for c in cells))
    console.print(table)
