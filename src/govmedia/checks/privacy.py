"""Personal information published by mistake: ID numbers, mobile numbers, bank cards.

《个人信息保护法》 and 《政府信息公开条例》 art. 15 forbid publishing personal data; the
same check reads articles and linked pages. To keep false alarms rare: an ID number needs a
valid GB 11643 checksum and a real birth date; a bank card needs the Luhn checksum and a
word such as 卡号 or 账户 nearby; a mobile number given as a contact (联系电话、咨询热线、
举报…) is public on purpose and is left alone.
Evidence never keeps a full number, only a masked one.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from govmedia.artifacts import AccountArtifacts
from govmedia.checks.wording import article_evidence, articles
from govmedia.findings import Finding, NotChecked

if TYPE_CHECKING:
    from govmedia.checks.registry import CheckContext

CHECK = "privacy.personal_info"
_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{9}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![\d.])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![\d])")
_CARD = re.compile(r"(?<![\d])((?:\d[ -]?){15,18}\d)(?![\d])")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CONTACT = ("联系", "咨询", "热线", "举报", "投诉", "监督", "值班", "服务", "报名", "办公", "客服",
            "求助", "受理", "预约", "对接", "传真")
_CARD_CUES = ("卡号", "银行卡", "账号", "帐号", "账户", "帐户", "开户", "储蓄卡", "信用卡",
              "社保卡")
KINDS = {"id": "身份证号码", "mobile": "手机号码", "card": "银行卡号"}


def id_valid(number: str) -> bool:
    """Return True for an 18-character ID number with a valid checksum and birth date."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    total = sum(int(c) * w for c, w in zip(number[:17], _WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def luhn(digits: str) -> bool:
    """Return True when digits pass the Luhn checksum."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask(kind: str, number: str) -> str:
    """Return number with its middle hidden (never store the full number)."""
    if kind == "id":
        return number[:6] + "*" * 8 + number[-4:]
    if kind == "mobile":
        return number[:3] + "****" + number[-4:]
    return number[:4] + " **** **** " + number[-4:]


def find(text: str) -> list[dict[str, Any]]:
    """Return the personal numbers in text: kind, offsets and the masked number."""
    found: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    for m in _ID.finditer(text):
        if id_valid(m.group(0)):
            found.append({"kind": "id", "start": m.start(), "end": m.end(),
                          "masked": mask("id", m.group(0))})
            taken.append(m.span())
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(1))
        near = text[max(0, m.start() - 15):m.start()]
        if (16 <= len(digits) <= 19 and luhn(digits) and any(c in near for c in _CARD_CUES)
                and not any(a < m.end() and m.start() < b for a, b in taken)):
            found.append({"kind": "card", "start": m.start(), "end": m.end(),
                          "masked": mask("card", digits)})
            taken.append(m.span())
    for m in _MOBILE.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        near = text[max(0, m.start() - 12):m.start()]
        if any(c in near for c in _CONTACT):
            continue
        number = "".join(m.groups())
        found.append({"kind": "mobile", "start": m.start(), "end": m.end(),
                      "masked": mask("mobile", number)})
    found.sort(key=lambda f: f["start"])
    return found


def _finding(item: dict[str, Any], where: str, target: str, evidence: dict[str, Any]) -> Finding:
    kind = KINDS[item["kind"]]
    return Finding(
        CHECK, "deduct" if item["kind"] != "mobile" else "warn",
        f"{where}公开了个人信息：{kind} {item['masked']}", target,
        {**evidence, "kind": item["kind"], "masked": item["masked"],
         "start": item["start"], "end": item["end"]},
        f"删除或遮盖{kind}（如 {item['masked']}），公开前做脱敏处理")


def personal_info(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return findings for ID, mobile and bank-card numbers in articles and linked pages."""
    texts = [(art, text) for art, text in articles(a) if art.body_text.strip()]
    pages = [p for p in a.pages if p.ok and p.text.strip()]
    if not texts and not pages:
        raise NotChecked("未采集到文章正文或网页内容，无法检查个人信息泄露")
    out = []
    for art, text in texts:
        for item in find(text):
            out.append(_finding(item, f"文章《{art.title}》", art.url or art.title,
                                {"article": article_evidence(art)}))
    for p in pages:
        for item in find(p.text):
            out.append(_finding(item, f"链接页面“{p.title or p.url}”", p.menu_path or p.url,
                                {"page": {"url": p.url, "title": p.title,
                                          "menu_path": p.menu_path, "origin": p.origin}}))
    return out
