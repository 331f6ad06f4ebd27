"""Excel (.xlsx) of a report via openpyxl: one sheet per table, ready to filter and sort.

Row 1 is the Chinese header, frozen, with an autofilter over the whole table; columns have
widths; numbers stay numbers (percent and score formats), so Excel and WPS can sort them. A
first sheet 说明 names the run. Text that looks like a formula (=…, +…, -…, @…) is stored as
text, so scraped content can never run in a spreadsheet.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from govmedia.report.model import Report, Table, xml_safe

FORMATS = {"pct": "0.0%", "score": "0.00", "int": "0", "num": "General"}
HEADER_FILL = PatternFill("solid", fgColor="E6EDF5")
_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH = 60


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _BAD_SHEET.sub("_", name)[:31] or "Sheet"
    out, n = base, 2
    while out in taken:
        out = f"{base[:28]}_{n}"
        n += 1
    taken.add(out)
    return out


def _value(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or isinstance(value, int | float):
        return value
    return xml_safe(value)


def _width(table: Table, i: int) -> float:
    col = table.columns[i]
    longest = max([len(col.title) * 2.2] + [
        sum(2 if ord(ch) > 0x2E80 else 1.1 for ch in str(row[i] or ""))
        for row in table.rows[:500]])  # CJK characters are twice as wide
    return max(6.0, min(MAX_WIDTH, longest + 2, col.width * 12 if col.kind == "text" else 14))


def write_sheet(ws: Worksheet, table: Table) -> None:
    """Write one table into a worksheet: header, rows, formats, frozen header, filter, widths."""
    ws.append([c.title for c in table.columns])
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in table.rows:
        ws.append([_value(v) for v in row])
        for cell, col in zip(ws[ws.max_row], table.columns, strict=True):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
                cell.alignment = Alignment(vertical="top", wrap_text=True)
            elif col.kind in FORMATS and cell.value is not None:
                cell.number_format = FORMATS[col.kind]
    ws.freeze_panes = "A2"
    last = get_column_letter(len(table.columns))
    ws.auto_filter.ref = f"A1:{last}{max(ws.max_row, 1)}"
    for i in range(len(table.columns)):
        ws.column_dimensions[get_column_letter(i + 1)].width = _width(table, i)


def render_xlsx(report: Report, out: Path) -> None:
    """Write the report's sheets (and a 说明 sheet first) as an Excel workbook to out."""
    wb = Workbook()
    about = wb.active
    about.title = "说明"
    about.append(["报告", xml_safe(report.title)])
    about.append(["", xml_safe(report.subtitle)])
    for label, value in report.meta:
        about.append([xml_safe(label), xml_safe(value)])
    for w in report.warnings:
        about.append(["注意", xml_safe(w)])
    about.append(["合格率", "合格 ÷（合格 + 不合格）；未能检查的账号不计入合格率"])
    for row in about.iter_rows():
        row[0].font = Font(bold=True)
        for cell in row:
            cell.data_type = "s"
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 14, 90
    taken = {"说明"}
    for table in report.sheets:
        write_sheet(wb.create_sheet(_sheet_name(table.sheet or table.caption, taken)), table)
    wb.save(str(out))
