"""Security check: gambling, porn or spam injected into a government page (网页被篡改/暗链).

国办秘函〔2019〕19号 counts a hijacked page that is not handled as a 安全、泄密事故等严重问题
veto. A machine finding is provisional (待人工复核) until a person confirms it in review. The
word lists are data (data/hacked_keywords.yaml); words that are legitimate in crackdown news
(打击赌博) only count where a visitor would not see them or in links that leave the site.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import ahocorasick

from govmedia.artifacts import AccountArtifacts, PageSnapshot
from govmedia.checks.page_state import (
    blocked_reason,
    expected_links,
    http_evidence,
    load_data,
    pages_or_raise,
    target_of,
    where,
)
from govmedia.findings import Finding, NotChecked

if TYPE_CHECKING:
    from govmedia.checks.registry import CheckContext

_GOV_HOST = re.compile(r"(?:^|\.)(?:gov\.cn|gov|gov\.mo|gov\.hk|org\.cn|edu\.cn|weixin\.qq\.com)$")


@cache
def _automaton(tier: str) -> ahocorasick.Automaton:
    data = load_data("hacked_keywords")
    words = ([w for ws in data["strong"].values() for w in ws] if tier == "strong"
             else data[tier])
    auto = ahocorasick.Automaton()
    for w in words:
        auto.add_word(str(w).lower(), str(w))
    auto.make_automaton()
    return auto


def spam_words(text: str, tier: str = "strong", *, skip_context: bool = True) -> list[str]:
    """Return the spam words of a tier (strong | weak) in text, crackdown contexts excluded."""
    data = load_data("hacked_keywords")
    window, context = int(data["window"]), data["context"]
    low = text.lower()
    found = []
    for end, word in _automaton(tier).iter(low):
        start = end - len(word) + 1
        near = low[max(start - window, 0):end + 1 + window]
        if skip_context and any(c in near for c in context):
            continue
        found.append(word)
    return list(dict.fromkeys(found))


def _external(href: str, page_host: str) -> bool:
    host = (urlsplit(href).hostname or "").lower()
    return bool(host) and host != page_host and not _GOV_HOST.search(host)


def _spam_tld(href: str) -> bool:
    host = (urlsplit(href).hostname or "").lower()
    return host.rsplit(".", 1)[-1] in load_data("hacked_keywords")["spam_tlds"]


def page_signals(p: PageSnapshot) -> list[str]:
    """Return the signs of injected content on one page (empty when it looks clean)."""
    data = load_data("hacked_keywords")
    host = (urlsplit(p.final_url or p.url).hostname or "").lower()
    signals = []
    if words := spam_words(p.hidden_text, skip_context=False):
        signals.append(f"隐藏元素中含“{'、'.join(words[:5])}”")
    hidden_out = [link for link in p.links if link.hidden and _external(link.href, host)]
    spam_hidden = [link for link in hidden_out if spam_words(link.text, "weak", skip_context=False)]
    if spam_hidden or len(hidden_out) >= int(data["hidden_external_links"]):
        sample = "、".join(f"{link.text or '无文字'}→{link.href}" for link in hidden_out[:3])
        signals.append(f"{len(hidden_out)}个指向站外的隐藏链接（{sample}）")
    head = " ".join([p.title, p.meta.get("keywords", ""), p.meta.get("description", "")])
    weak_head = spam_words(head, "weak")
    if words := spam_words(head) or (weak_head if len(weak_head) >= 2 else []):
        signals.append(f"页面标题或关键词被篡改为“{'、'.join(words[:5])}”")
    for link in p.links:
        if not link.hidden and (_spam_tld(link.href) or (
                _external(link.href, host) and spam_words(link.text, skip_context=False))):
            signals.append(f"链接“{link.text}”指向垃圾网站 {link.href}")
            break
    if len(words := spam_words(p.text)) >= 2:
        signals.append(f"正文中出现“{'、'.join(words[:5])}”")
    return signals


def hacked_content(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return a provisional veto finding per page that shows injected spam.

    Only what a visitor can be served is judged: a dead link shows no content, so pages that
    all failed give no finding; pages that answered but could not be read (rate limit,
    anti-bot, garbled, script-only) make the check not checked. An account whose menu could
    not be read and whose articles link nowhere has nothing to judge here (no finding).
    """
    if not a.pages and not expected_links(a):
        return []
    pages = pages_or_raise(a)
    readable_pages = [p for p in pages if p.ok and not blocked_reason(p)]
    if not readable_pages and any(blocked_reason(p) for p in pages):
        raise NotChecked("链接的网页均未能读取内容（" + "；".join(
            dict.fromkeys(blocked_reason(p) for p in pages if blocked_reason(p))) +
            "），无法检查是否被植入违法有害内容")
    pages = readable_pages
    out = []
    for p in pages:
        signals = page_signals(p)
        if not signals:
            continue
        evidence: dict[str, Any] = {**http_evidence(p), "signals": signals, "provisional": True,
                                    "hidden_excerpt": p.hidden_text[:300]}
        out.append(Finding(
            "security.hacked_content", "veto",
            f"{where(p)}打开的页面疑似被植入博彩/色情等有害内容：{signals[0]}（机器发现，待人工复核）",
            target_of(p), evidence,
            "立即核查页面是否被篡改，删除植入内容、修补漏洞并留存证据；确认后按安全事件处置"))
    return out
