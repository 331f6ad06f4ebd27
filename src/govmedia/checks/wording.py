"""Wording checks on the account's articles: serious errors, outdated names, sensitive words,
指尖上的形式主义. The engine is govmedia.wording (the same one `govmedia check text` uses).

A serious wording error (严重表述错误) is a veto under 国办秘函〔2019〕19号, so its findings
are provisional (待人工复核) until a person confirms them. An article's text is its title
and body; an article seen by several sources is checked once (the fullest body wins).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from govmedia.artifacts import CHINA_TZ, AccountArtifacts, Article
from govmedia.checks.freshness import article_key
from govmedia.findings import Finding, NotChecked
from govmedia.wording import hits as H
from govmedia.wording.lexicon import Lexicon, LexiconError, builtin_lexicon, with_words
from govmedia.wording.rules import scan

if TYPE_CHECKING:
    from govmedia.checks.registry import CheckContext

MAX_FINDINGS = 50  # per check and account: enough to act on, short enough to read
SUGGEST = {
    H.SERIOUS: "核实后立即更正；如确属错误，按严重表述错误处置",
    H.OUTDATED: "改为现行名称，或写作“原…”说明是历史名称",
    H.SENSITIVE: "按规范用语修改",
    H.FORMALISM: "删除要求关注、点赞、转发、打卡或截图报送的内容",
}


def articles(a: AccountArtifacts) -> list[tuple[Article, str]]:
    """Return (article, plain text) once per article: title and body, fullest body kept."""
    best: dict[str, Article] = {}
    for src in a.sources:
        for art in src.articles if src.ok else ():
            if art.status == "deleted":
                continue
            key = article_key(art.url) if art.url else f"title:{art.title}"
            old = best.get(key)
            if old is None or len(art.body_text) > len(old.body_text) or (
                    old.published_at is None and art.published_at is not None):
                if old is not None and art.published_at is None:
                    art = replace(art, published_at=old.published_at)
                best[key] = art
    return [(art, f"{art.title}\n{art.body_text}") for art in best.values()]


def _texts_or_raise(a: AccountArtifacts) -> list[tuple[Article, str]]:
    found = [(art, text) for art, text in articles(a) if art.body_text.strip()]
    if not found:
        raise NotChecked("未采集到文章正文，无法检查表述")
    return found


def published_day(art: Article) -> date | None:
    """Return the article's publication day in China time (None when unknown)."""
    if art.published_at is None:
        return None
    when = art.published_at
    return (when.astimezone(CHINA_TZ) if when.tzinfo else when).date()


def article_evidence(art: Article) -> dict[str, Any]:
    """Return the evidence that names an article."""
    return {"title": art.title, "url": art.url,
            "published_at": art.published_at.isoformat() if art.published_at else None}


def snippet(text: str, start: int, end: int, width: int = 20) -> str:
    """Return the hit with some context, as a reviewer reads it."""
    pre = text[max(0, start - width):start].replace("\n", " ")
    post = text[end:end + width].replace("\n", " ")
    return f"…{pre}【{text[start:end]}】{post}…"


@lru_cache(maxsize=512)
def _scan(text: str, day: date | None, lexicon: Lexicon) -> tuple[H.Hit, ...]:
    """Scan once for the four checks that read the same article."""
    return tuple(scan(text, day, lexicon))


def _run(check: str, a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    lexicon = builtin_lexicon()
    words = ctx.param("words", ())
    if words:
        try:
            lexicon = with_words(lexicon, tuple(str(w) for w in words))
        except LexiconError as exc:
            raise NotChecked(f"用户词表有误：{exc}") from None
    limit = int(ctx.param("max_findings", MAX_FINDINGS))
    out: list[Finding] = []
    for art, text in _texts_or_raise(a):
        for hit in _scan(text, published_day(art), lexicon):
            if hit.check != check:
                continue
            evidence = {"article": article_evidence(art), "start": hit.start, "end": hit.end,
                        "text": hit.text, "context": snippet(text, hit.start, hit.end),
                        "rule": hit.rule}
            if check == H.SERIOUS:
                evidence["provisional"] = True
            out.append(Finding(check, hit.severity, f"文章《{art.title}》：{hit.message}",
                               art.url or art.title, evidence,
                               f"{SUGGEST[check]}（建议：{hit.suggestion}）" if hit.suggestion
                               else SUGGEST[check]))
            if len(out) >= limit:
                return out
    return out


def serious_error(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return provisional veto findings for miswritten names and formulations."""
    return _run(H.SERIOUS, a, ctx)


def outdated_name(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return findings for institution and service names used after they changed."""
    return _run(H.OUTDATED, a, ctx)


def sensitive(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return findings for banned usages, sensitive words and HK/Macau/Taiwan wording."""
    return _run(H.SENSITIVE, a, ctx)


def formalism(a: AccountArtifacts, ctx: CheckContext) -> list[Finding]:
    """Return findings for orders to follow, like, share, check in or send screenshots."""
    return _run(H.FORMALISM, a, ctx)
