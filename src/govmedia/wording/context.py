"""Context around a match: sentences, quotations, document titles, historical mentions.

An old name is only wrong when the text uses it as a current body. These helpers say when a
mention is historical instead: "原国土资源部", a title in 《》, a quotation, a sentence that
tells the history (更名、组建、不再保留、曾任…) or names a year before the change.
"""

from __future__ import annotations

import re
from datetime import date

SENTENCE_END = "。！？；!?;\n"
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年|([一二〇○零][〇○零一二三四五六七八九]{3})年")
_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
HISTORY_CUES = (
    "曾任", "时任", "历任", "原任", "曾经", "曾是", "前身", "更名", "改名", "名称改为", "组建",
    "不再保留", "整合", "划入", "撤销", "合并", "机构改革", "挂牌", "当时", "彼时", "此前",
    "改革前", "之前", "以前", "过去", "原来", "原有", "历史", "回顾", "旧称", "改为", "改征",
    "改设", "取代", "替代", "变为", "转为",
)
_NOT_FORMER = ("原则", "原因", "原告", "原创", "原料", "原始", "原件", "原文", "原本", "原地",
               "原价", "原产", "原生", "原汁", "原貌", "原样", "原址")
_STOP = "，。、；：！？,;:!?\n “”\"《》（）()"


def sentence(text: str, start: int, end: int, limit: int = 150) -> tuple[int, int]:
    """Return the bounds of the sentence around [start, end), at most limit chars each way."""
    lo = max(0, start - limit)
    s = start
    while s > lo and text[s - 1] not in SENTENCE_END:
        s -= 1
    hi = min(len(text), end + limit)
    e = end
    while e < hi and text[e] not in SENTENCE_END:
        e += 1
    return s, e


def enclosed(text: str, start: int, end: int, opener: str, closer: str, limit: int = 60) -> bool:
    """Return True when [start, end) lies between opener and closer on the same stretch."""
    left = text.rfind(opener, max(0, start - limit), start)
    if left < 0 or text.find(closer, left, start) >= 0:
        return False
    right = text.find(closer, end, end + limit)
    return right >= 0 and text.find(opener, end, right) < 0


def quoted_or_titled(text: str, start: int, end: int) -> bool:
    """Return True inside 《…》 (a document title) or “…” / 「…」 (a quotation)."""
    return (enclosed(text, start, end, "《", "》") or enclosed(text, start, end, "“", "”")
            or enclosed(text, start, end, "「", "」"))


def marked_former(text: str, start: int, end: int) -> bool:
    """Return True for "原XX市环保局", "环保局（现…）", "前身为…" style mentions."""
    i = start - 1
    while i >= max(0, start - 10) and text[i] not in _STOP:
        if text[i] == "原" and not text.startswith(_NOT_FORMER, i):
            return True
        i -= 1
    after = text[end:end + 6]
    return after.startswith(("（现", "(现", "，现", "、现", "现更名", "现为", "（今", "(今"))


def years(text: str, start: int, end: int) -> list[int]:
    """Return the years written in text[start:end] (2017年, 二〇一七年)."""
    out = []
    for m in _YEAR.finditer(text, start, end):
        out.append(int(m.group(1) or m.group(2).translate(_CN_DIGITS)))
    return out


def historical(text: str, start: int, end: int, changed: date) -> bool:
    """Return True when a mention of a name that changed on `changed` is historical."""
    if marked_former(text, start, end) or quoted_or_titled(text, start, end):
        return True
    s, e = sentence(text, start, end)
    stretch = text[s:e]
    if any(cue in stretch for cue in HISTORY_CUES):
        return True
    # A year up to the change's own year makes the sentence history (precision first).
    return any(y <= changed.year for y in years(text, s, e))
