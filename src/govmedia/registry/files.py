"""Account list files: read and validate CSV/XLSX registries, export them back.

A registry file has one header row and one account per row. Columns are the ids of
`ACCOUNT_FIELDS` or their Chinese names (账号名称, 主办单位, 类别, ...). Reading either returns
every row or raises one `AccountFileError` that lists every problem with the row and column a
person sees in a spreadsheet (the header is row 1), so nothing is ever half imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from openpyxl.utils import get_column_letter

from govmedia.registry.categories import CATEGORIES, category_label
from govmedia.store.models import ACCOUNT_FIELDS

# Header written on export (Chinese) for each field id.
HEADER_LABELS: dict[str, str] = {
    "name": "账号名称", "owner": "主办单位", "category": "类别", "province": "省份",
    "field": "领域", "platform": "平台", "wechat_appid": "AppID",
    "wechat_secret": "AppSecret", "feed_url": "订阅源", "website": "网站",
}
# Other header spellings accepted on import (compared after normalise_header).
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("账号", "公众号名称", "微信公众号名称", "公众号", "微信公众号", "账号名"),
    "owner": ("单位名称", "单位", "主办单位名称", "开办主体", "运营单位"),
    "category": ("账号类别", "类型", "分类"),
    "province": ("省", "省份/地区", "地区", "所属省份"),
    "field": ("部门领域", "所属领域"),
    "platform": ("账号平台",),
    "wechat_appid": ("appid", "app_id", "微信appid", "开发者id"),
    "wechat_secret": ("appsecret", "app_secret", "secret", "微信appsecret", "开发者密码"),
    "feed_url": ("rss", "订阅源/rss", "rss地址", "订阅地址", "feed", "订阅源地址"),
    "website": ("网站地址", "门户网站", "官网", "网址", "政府网站"),
}
REQUIRED = ("name", "owner", "category")
PLATFORMS: dict[str, tuple[str, ...]] = {
    "wechat": ("微信", "微信公众号", "公众号"),
    "weibo": ("微博",), "douyin": ("抖音",), "toutiao": ("今日头条", "头条"),
}
# Longest value each column holds in the database (store/models.py).
MAX_LENGTH = {"name": 200, "owner": 200, "province": 40, "field": 40,
              "wechat_appid": 64, "wechat_secret": 128}
MAX_LISTED = 20


class AccountFileError(ValueError):
    """The account file cannot be read or has invalid rows (message in Chinese)."""


def normalise_header(text: str) -> str:
    """Header cell as compared: no BOM, spaces, required-marks (*) or case."""
    return "".join(text.replace("\ufeff", "").split()).strip("*＊").lower()


def _lookup(table: Mapping[str, tuple[str, ...]],
            labels: Mapping[str, str] | None = None) -> dict[str, str]:
    out = {normalise_header(k): k for k in table}
    for key, names in table.items():
        out.update({normalise_header(n): key for n in names})
    out.update({normalise_header(n): key for key, n in (labels or {}).items()})
    return out


HEADER_LOOKUP = _lookup(_ALIASES, HEADER_LABELS)
CATEGORY_LOOKUP = _lookup(CATEGORIES)
PLATFORM_LOOKUP = _lookup(PLATFORMS)


def category_id(text: str) -> str | None:
    """Return the category id for an id or Chinese label (部委, 省级政府, ...), else None."""
    return CATEGORY_LOOKUP.get(normalise_header(text))


def read_accounts_file(path: Path) -> list[dict[str, str]]:
    """Read and validate a CSV or XLSX account list; return one dict of ACCOUNT_FIELDS a row."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AccountFileError(f"无法读取账号文件 {path}：{exc.strerror or exc}") from None
    if not data.strip():
        raise AccountFileError(f"账号文件 {path} 是空的")
    records = _xlsx_records(path, data) if _is_xlsx(path, data) else _csv_records(path, data)
    return _validate(path, records)


def _is_xlsx(path: Path, data: bytes) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".xls" or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise AccountFileError(f"{path} 是旧版 Excel（.xls）文件：请另存为 .xlsx 或 CSV 后再导入")
    if data.startswith(b"PK\x03\x04"):
        return True
    if suffix in (".xlsx", ".xlsm"):
        raise AccountFileError(f"{path} 不是有效的 XLSX 文件（文件已损坏或不是 Excel 格式）")
    return False


def _xlsx_records(path: Path, data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign zip
        why = exc or type(exc).__name__
        raise AccountFileError(f"{path} 不是有效的 XLSX 文件：{why}") from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong sheet size; read every row
        rows = [(n, [_cell_text(v) for v in row])
                for n, row in enumerate(sheet.iter_rows(min_row=1, values_only=True), 1)]
    except Exception as exc:
        raise AccountFileError(f"{path} 的工作表无法读取：{exc or type(exc).__name__}") from None
    finally:
        book.close()
    return iter(rows)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise AccountFileError(f"{path} 不是 CSV 或 XLSX 文件（含二进制内容）")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise AccountFileError(f"{path} 的文字编码无法识别：请另存为 UTF-8 编码的 CSV")
    return str(best)


def _csv_records(path: Path, data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(path, data)
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;，", key=first.count)
    if delimiter == "，":
        delimiter = ","  # a full-width comma is text, not a separator
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise AccountFileError(f"{path} 不是有效的 CSV 文件：{exc}") from None
    return iter(enumerate(rows, 1))


def _validate(path: Path, records: Iterator[tuple[int, list[str]]]) -> list[dict[str, str]]:
    header_row, header = _header(path, records)
    columns = _columns(path, header_row, header)
    problems: list[str] = []
    rows: list[dict[str, str]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, values in records:
        cells = [v.strip() for v in values]
        if not any(cells):
            continue
        extra = [i for i, v in enumerate(cells) if v and i >= len(columns)]
        extra += [i for i, v in enumerate(cells[:len(columns)]) if v and columns[i] is None]
        for i in extra:
            problems.append(f"第 {number} 行 {get_column_letter(i + 1)} 列：有内容但没有表头")
        row = {f: "" for f in ACCOUNT_FIELDS}
        where: dict[str, str] = {}
        for i, key in enumerate(columns):
            if key is not None:
                row[key] = cells[i] if i < len(cells) else ""
                where[key] = f"{get_column_letter(i + 1)} 列（{header[i]}）"
        before = len(problems)
        _check_row(row, number, where, problems)
        key = (row["platform"], row["name"], row["owner"])
        if len(problems) == before and key in seen:
            problems.append(f"第 {number} 行：与第 {seen[key]} 行重复"
                            "（平台、账号名称、主办单位都相同）")
        seen.setdefault(key, number)
        rows.append(row)
    if problems:
        shown = [f"  {p}" for p in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            shown.append(f"  …还有 {len(problems) - MAX_LISTED} 处")
        raise AccountFileError(f"账号文件 {path} 有 {len(problems)} 处错误，未导入任何账号：\n"
                               + "\n".join(shown))
    if not rows:
        raise AccountFileError(f"账号文件 {path} 只有表头（第 {header_row} 行），没有账号")
    return rows


def _header(path: Path, records: Iterator[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    for number, values in records:
        cells = [v.strip() for v in values]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            return number, cells
    raise AccountFileError(f"账号文件 {path} 是空的（没有表头）")


def _columns(path: Path, header_row: int, header: list[str]) -> list[str | None]:
    columns: list[str | None] = []
    unknown, repeated = [], []
    for i, text in enumerate(header):
        key = HEADER_LOOKUP.get(normalise_header(text)) if text else None
        if text and key is None:
            unknown.append(f"{get_column_letter(i + 1)} 列「{text}」")
        elif key is not None and key in columns:
            repeated.append(f"{get_column_letter(i + 1)} 列「{text}」")
        columns.append(key)
    missing = [f"{HEADER_LABELS[k]}（{k}）" for k in REQUIRED if k not in columns]
    problems = []
    if unknown:
        known = "、".join(f"{HEADER_LABELS[k]}（{k}）" for k in ACCOUNT_FIELDS)
        problems.append(f"无法识别的列：{'、'.join(unknown)}；可用的列：{known}")
    if repeated:
        problems.append(f"重复的列：{'、'.join(repeated)}")
    if missing:
        problems.append(f"缺少必需的列：{'、'.join(missing)}")
    if problems:
        raise AccountFileError(f"账号文件 {path} 的表头（第 {header_row} 行）有误："
                               + "；".join(problems))
    return columns


def _check_row(row: dict[str, str], number: int, where: dict[str, str],
               problems: list[str]) -> None:
    def bad(key: str, what: str) -> None:
        problems.append(f"第 {number} 行 {where.get(key, HEADER_LABELS[key])}：{what}")

    for key in REQUIRED:
        if not row[key]:
            bad(key, "不能为空")
    if row["category"]:
        cat = category_id(row["category"])
        if cat is None:
            allowed = "、".join(f"{labels[0]}（{k}）" for k, labels in CATEGORIES.items())
            bad("category", f"「{row['category']}」不是有效的类别，应为 {allowed}")
        else:
            row["category"] = cat
    platform = PLATFORM_LOOKUP.get(normalise_header(row["platform"] or "wechat"))
    if platform is None:
        bad("platform", f"「{row['platform']}」不是支持的平台（{'、'.join(PLATFORMS)}）")
    else:
        row["platform"] = platform
    for key in ("feed_url", "website"):
        if row[key] and not _is_http_url(row[key]):
            bad(key, f"「{row[key]}」不是有效的网址（应以 http:// 或 https:// 开头）")
    for key, limit in MAX_LENGTH.items():
        if len(row[key]) > limit:
            bad(key, f"太长（{len(row[key])} 个字符，最多 {limit} 个）")


def _is_http_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) \
        and not any(c.isspace() for c in text)


def _row_values(row: Mapping[str, Any] | Any) -> dict[str, str]:
    get = row.get if isinstance(row, Mapping) else lambda k, d="": getattr(row, k, d)
    return {k: "" if get(k, "") is None else str(get(k, "")) for k in ACCOUNT_FIELDS}


def write_accounts_file(path: Path, rows: Iterable[Mapping[str, Any] | Any], *,
                        include_secrets: bool = False) -> int:
    """Write rows (dicts or AccountRow) to .xlsx or .csv with a Chinese header; return count.

    AppSecret is written only with include_secrets; the category is written as its Chinese
    label. Both formats read back with read_accounts_file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise AccountFileError(f"只能导出为 .xlsx 或 .csv 文件，而不是 {path.name}")
    fields = [f for f in ACCOUNT_FIELDS if include_secrets or f != "wechat_secret"]
    table = []
    for row in rows:
        values = _row_values(row)
        values["category"] = category_label(values["category"])
        table.append([values[f] for f in fields])
    header = [HEADER_LABELS[f] for f in fields]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if suffix == ".csv":
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(table)
    else:
        _write_xlsx(tmp, header, table)
    tmp.replace(path)
    return len(table)


def _write_xlsx(path: Path, header: list[str], table: list[list[str]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "账号"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in table:
        sheet.append([v or None for v in values])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    sheet.freeze_panes = "A2"
    for i, title in enumerate(header):
        longest = max([_width(title)] + [_width(r[i]) for r in table])
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(max(longest + 2, 8), 60)
    book.save(path)


def _width(text: str) -> int:
    # CJK characters take two columns in a spreadsheet.
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)
