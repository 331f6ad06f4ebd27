"""Content assessment facts for scoring: interpretation, originality, services and interaction.

Seed 001 三 (解读回应: 原创比例、内容形式; 办事服务: 办事入口、在线办理/查询/预约/缴费; 政民互动:
咨询投诉渠道). A pure function of the artifacts; the indicator systems turn the facts into
points. Words are data (data/menu_taxonomy.yaml: interpretation_words, forms, online_services).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from govmedia.artifacts import AccountArtifacts, Article
from govmedia.checks.interaction import channel_page, comment_state
from govmedia.checks.page_state import readable
from govmedia.menus.classify import CORE, classify_menu, core, leaves, normalise, taxonomy

FORMS = ("chart", "video", "audio", "animation", "interview", "expert")


@dataclass(frozen=True, slots=True)
class ContentFacts:
    """What an account publishes and offers, counted (None: could not be known)."""

    articles: int = 0  # distinct articles seen by the readable sources
    interpretation: int = 0  # of them, interpretation articles (解读, 图解, 一图读懂, 问答…)
    interpretation_share: float | None = None  # interpretation / articles; None: no article
    forms: Mapping[str, int] = field(default_factory=dict)  # FORMS -> interpretation articles
    form_kinds: int = 0  # how many of FORMS are used at least once
    original: int = 0  # articles marked 原创 among those whose copyright is known
    copyright_known: int = 0  # articles whose page said original / reprint / none
    original_share: float | None = None  # original / copyright_known; None: none known
    menu_read: bool = False  # the custom menu was read (False: the menu facts below are 0)
    menu_functions: tuple[str, ...] = ()  # core functions the menu offers, in CORE order
    public_entrances: int = 0  # menu buttons for 政务公开 (解读 included)
    interpretation_entrances: int = 0  # menu buttons for 解读回应
    service_entrances: int = 0  # menu buttons for 办事服务
    online_services: Mapping[str, int] = field(default_factory=dict)  # 办理/查询/预约/缴费
    interaction_entrances: int = 0  # menu buttons for 政民互动
    working_channels: int = 0  # of them, pages that loaded as a place to write to
    comments: str = "unknown"  # 留言 on articles: open | closed | unknown


def distinct_articles(a: AccountArtifacts) -> list[Article]:
    """Return each article once (by URL, else title), preferring what its own page said."""
    seen: dict[str, Article] = {}
    for src in a.sources:
        for art in src.articles if src.ok else ():
            if art.status == "deleted" or not (art.url or art.title):
                continue
            key = art.url or art.title
            if key not in seen or art.source == "article_page":
                seen[key] = art
    return list(seen.values())


def _has(words: list[str], text: str) -> bool:
    text = normalise(text)
    return any(normalise(str(w)) in text for w in words)


def article_forms(art: Article) -> set[str]:
    """Return the forms (FORMS) an article uses, from its title, digest and media counts."""
    text = f"{art.title}\n{art.digest}"
    found = {f for f, words in taxonomy()["forms"].items() if _has(words, text)}
    if art.videos:
        found.add("video")
    if art.audios:
        found.add("audio")
    return found


def is_interpretation(art: Article) -> bool:
    """Return True when the title or digest marks the article as an interpretation."""
    return _has(taxonomy()["interpretation_words"], f"{art.title}\n{art.digest}")


def content_facts(a: AccountArtifacts) -> ContentFacts:
    """Return the content assessment facts of one account."""
    arts = distinct_articles(a)
    interp = [x for x in arts if is_interpretation(x)]
    forms = {f: sum(f in article_forms(x) for x in interp) for f in FORMS}
    known = [x for x in arts if x.copyright in ("original", "reprint", "none")]
    original = sum(x.copyright == "original" for x in known)
    comments, _ = comment_state(a)
    base = ContentFacts(
        articles=len(arts), interpretation=len(interp),
        interpretation_share=len(interp) / len(arts) if arts else None,
        forms=forms, form_kinds=sum(1 for n in forms.values() if n),
        original=original, copyright_known=len(known),
        original_share=original / len(known) if known else None, comments=comments)
    if a.menu is None:
        return base
    buttons = leaves(classify_menu(a.menu, a.pages)) if a.menu.is_open else []
    present = {core(c.function) for c in buttons}
    online: dict[str, set[str]] = {k: set() for k in taxonomy()["online_services"]}
    for c in buttons:
        texts = [c.label]
        if c.function == "service":
            texts += [link.text for p in c.pages if readable(p) for link in p.links
                      if not link.hidden]
        for kind, words in taxonomy()["online_services"].items():
            online[kind].update(t.strip() for t in texts if t.strip() and _has(words, t))
    interact = [c for c in buttons if c.function == "interact"]
    return replace(
        base, menu_read=True,
        menu_functions=tuple(f for f in CORE if f in present),
        public_entrances=sum(core(c.function) == "public" for c in buttons),
        interpretation_entrances=sum(c.function == "interpret" for c in buttons),
        service_entrances=sum(c.function == "service" for c in buttons),
        online_services={k: len(v) for k, v in online.items()},
        interaction_entrances=len(interact),
        working_channels=sum(any(channel_page(p) for p in c.pages) for c in interact))
