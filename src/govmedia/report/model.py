"""The document model every report format renders: headings, paragraphs, tables, figures.

A report (national, rectification list, pass rate) is built ONCE from the evaluation result
into a Report: numbers are computed there and kept as values, and the renderers (Word, HTML,
PDF, Excel, JSON) only lay them out, so the formats cannot disagree. Tables and figures are
numbered when the report is finished (表1, 图1), so every format shows the same numbers.
Cell values stay typed (int, float, str, None): documents format them with format_cell,
Excel keeps the numbers and applies the matching number format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EMPTY = "—"
KEEP_ROWS = 15  # tables up to this many rows are kept on one page (Word, PDF)


def xml_safe(text: Any) -> str:
    """Return text without the control characters XML (Word, Excel) cannot hold."""
    return _ILLEGAL.sub("", "" if text is None else str(text))


@dataclass
class Column:
    """One table column: its header, how values are shown (text|int|num|pct|score), its
    width."""

    title: str
    kind: str = "text"
    width: float = 1.0  # relative share of the table width (documents), chars/8 (Excel)


@dataclass
class Table:
    """A table; rows hold typed values, format_cell turns them into text."""

    key: str
    caption: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    number: int = 0
    sheet: str = ""  # Excel sheet name when this table is also a sheet
    header: bool = True  # False: a label/value table (the first column names each row)


@dataclass
class Heading:
    text: str
    level: int = 1  # 1: 一、 2: （一） 3: item


@dataclass
class Paragraph:
    text: str
    style: str = "body"  # body | note | bullet | lead (bold first sentence of an item)


@dataclass
class Figure:
    """A chart or screenshot as PNG/JPEG bytes, or the reason there is none (missing)."""

    key: str
    caption: str
    image: bytes | None = None
    missing: str = ""
    kind: str = "chart"  # chart | screenshot
    width_cm: float = 15.0
    data: dict[str, Any] = field(default_factory=dict)  # what is plotted, for JSON and tests
    source: str = ""  # the screenshot file
    number: int = 0

    @property
    def mime(self) -> str:
        return "image/jpeg" if self.image and self.image[:2] == b"\xff\xd8" else "image/png"


@dataclass
class Gallery:
    """Screenshots side by side (seed 001 shows phone screenshots in a row)."""

    figures: list[Figure]


Block = Heading | Paragraph | Table | Figure | Gallery


@dataclass
class Report:
    """One document: title, facts about the run (meta), the blocks, the Excel sheets."""

    kind: str
    title: str
    subtitle: str = ""
    meta: list[tuple[str, str]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    sheets: list[Table] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cover: bool = False  # a cover page and a table of contents (the national report)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def finish(self) -> Report:
        """Return the report with its tables and figures numbered in document order."""
        tables = figures = 0
        for block in self.blocks:
            items = block.figures if isinstance(block, Gallery) else [block]
            for item in items:
                if isinstance(item, Table) and item.caption:
                    tables += 1
                    item.number = tables
                elif isinstance(item, Figure) and item.caption:
                    figures += 1
                    item.number = figures
        return self

    def headings(self) -> list[tuple[int, int, str]]:
        """Return (index, level, text) of every heading, for tables of contents."""
        return [(i, b.level, b.text) for i, b in enumerate(self.blocks)
                if isinstance(b, Heading)]


def format_cell(value: Any, kind: str = "text") -> str:
    """Return a cell value as the documents show it (— for a missing value)."""
    if value is None or value == "":
        return EMPTY
    if kind == "pct" and isinstance(value, int | float):
        return f"{value:.1%}"
    if kind == "score" and isinstance(value, int | float):
        return f"{value:.2f}"  # ranks tie at the hundredth (report/aggregate.py)
    if kind == "int" and isinstance(value, int | float):
        return str(int(value))
    if kind == "num" and isinstance(value, int | float):
        return f"{value:g}"
    return xml_safe(value)


def pct(value: float | None) -> str:
    """Return a share as text, e.g. 79.4%, or — when there is none."""
    return format_cell(value, "pct")


def table_caption(table: Table) -> str:
    """Return the caption as printed: 表N 标题."""
    return f"表{table.number} {table.caption}" if table.number else table.caption


def figure_caption(fig: Figure) -> str:
    """Return the caption as printed: 图N 标题."""
    return f"图{fig.number} {fig.caption}" if fig.number else fig.caption


def to_jsonable(report: Report) -> dict[str, Any]:
    """Return the report as JSON-ready data: blocks with typed table rows, figures without
    their image bytes (what they plot is kept)."""

    def block(b: Block) -> dict[str, Any]:
        if isinstance(b, Heading):
            return {"type": "heading", "level": b.level, "text": b.text}
        if isinstance(b, Paragraph):
            return {"type": "paragraph", "style": b.style, "text": b.text}
        if isinstance(b, Table):
            return {"type": "table", "key": b.key, "number": b.number, "caption": b.caption,
                    "columns": [{"title": c.title, "kind": c.kind} for c in b.columns],
                    "rows": b.rows, "note": b.note, "header": b.header}
        if isinstance(b, Gallery):
            return {"type": "gallery", "figures": [block(f) for f in b.figures]}
        return {"type": "figure", "key": b.key, "number": b.number, "caption": b.caption,
                "kind": b.kind, "has_image": b.image is not None, "missing": b.missing,
                "data": b.data, "source": b.source}

    return {"kind": report.kind, "title": report.title, "subtitle": report.subtitle,
            "cover": report.cover,
            "meta": [{"label": k, "value": v} for k, v in report.meta],
            "warnings": report.warnings, "blocks": [block(b) for b in report.blocks],
            "sheets": [block(t) | {"sheet": t.sheet} for t in report.sheets]}
