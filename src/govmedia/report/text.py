"""Words the reports share: the editable texts, verdict and severity labels, anonymised names.

The texts (background, advice, indicator descriptions) and the grouping of findings into
problem types and good practices are data files (data/report_text.yaml,
data/report_groups.yaml), loaded once.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml

from govmedia.indicators.engine import FAIL, UNKNOWN
from govmedia.registry.categories import CATEGORIES, category_label

SEVERITY_LABELS = {"veto": "单项否决", "deduct": "扣分项", "warn": "提示项", "info": "说明"}
REVIEW_LABELS = {"machine": "待人工复核", "confirmed": "已确认", "dismissed": "已排除"}
CATEGORY_ORDER = tuple(CATEGORIES)
_URL = re.compile(r"https?://[^\s，。；、）)]+")


@cache
def _data(name: str) -> dict[str, Any]:
    raw = (resources.files("govmedia") / "data" / f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(raw)


def texts() -> dict[str, Any]:
    """Return data/report_text.yaml: the report's editable paragraphs."""
    return _data("report_text")


def groups() -> dict[str, Any]:
    """Return data/report_groups.yaml: problem types, practice groups, anonymisation."""
    return _data("report_groups")


def para(text: str, **values: Any) -> str:
    """Return a paragraph of the data files with its line breaks removed and {names} filled."""
    joined = "".join(line.strip() for line in text.splitlines())
    return joined.format(**values) if values else joined


def day(iso_or_dt: str | datetime | None) -> str:
    """Return a date as 2026年11月20日 (— when missing)."""
    if not iso_or_dt:
        return "—"
    t = datetime.fromisoformat(iso_or_dt) if isinstance(iso_or_dt, str) else iso_or_dt
    return f"{t.year}年{t.month}月{t.day}日"


def moment(iso: str | None) -> str:
    """Return a time as 2026-11-20 12:00 (— when missing)."""
    if not iso:
        return "—"
    try:
        return f"{datetime.fromisoformat(iso):%Y-%m-%d %H:%M}"
    except ValueError:
        return iso


def verdict_label(acc: dict[str, Any]) -> str:
    """Return the verdict as shown: 不合格（待复核） when it rests on an unreviewed candidate."""
    verdict = acc.get("verdict", UNKNOWN)
    return f"{verdict}（待复核）" if acc.get("provisional") else verdict


def category_name(category: str) -> str:
    """Return the Chinese label of a category."""
    return category_label(category)


def category_rank(category: str) -> int:
    """Return the position of a category in the seed's order (部委, 省级政府, 省级政府部门)."""
    return CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)


def join_names(names: list[str], limit: int = 0) -> str:
    """Return names joined with 、, cut after limit with 等N个 (0: no limit)."""
    if limit and len(names) > limit:
        return "、".join(names[:limit]) + f"等{len(names)}个"
    return "、".join(names)


def account_label(acc: dict[str, Any]) -> str:
    """Return 单位微信公众号“账号” as the seed writes it."""
    return f"{acc['owner']}微信公众号“{acc['name']}”" if acc.get("owner") else f"“{acc['name']}”"


def anonymous_owner(acc: dict[str, Any]) -> str:
    """Return the owner with its province replaced (某省教育厅), or 某部委 for ministries."""
    g = groups()
    owner, province = acc.get("owner") or "", acc.get("province") or ""
    if acc.get("category") == "ministry" or not province:
        return g["ministry_placeholder"]
    for suffix in g["province_suffixes"]:
        full = province if province.endswith(suffix) else province + suffix
        if full in owner:  # 新疆维吾尔自治区 → 某自治区: the region's name would tell
            return owner.replace(full, "某" + ("自治区" if suffix.endswith("自治区") else suffix))
    if province in owner and owner != province:
        return owner.replace(province, "某地")
    return {"provincial_gov": "某省级政府", "provincial_dept": "某省级部门"}.get(
        acc.get("category", ""), "某单位")


def anonymise(text: str, acc: dict[str, Any]) -> str:
    """Return text with the account's owner, name and province replaced by anonymous words."""
    out = text
    anon = anonymous_owner(acc)
    for word, repl in ((acc.get("owner"), anon), (acc.get("name"), "该账号")):
        if word:
            out = out.replace(word, repl)
    province = acc.get("province") or ""
    if province and acc.get("category") != "ministry":
        out = re.sub(re.escape(province) + r"(省|市|自治区)?", "某地", out)
    return _URL.sub("（网址略）", out)  # a host name names the owner as well


def is_fail(acc: dict[str, Any]) -> bool:
    return acc.get("verdict") == FAIL


_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """Return 1…99 in Chinese numerals (一, 十二, 二十一) for section numbers."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
