"""Linked web pages: fetch what menus and articles point to and parse each into a PageSnapshot.

`page_snapshot` is a pure parse of one FetchResult (selectolax): title, visible text (scripts,
styles and hidden elements removed; hidden links and text kept apart for the security check),
links, forms, dated list items (栏目 entries). `gather_linked_pages` fetches the targets through
the shared downloader, each URL once, and `link_targets` lists what a menu and articles link to.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from govmedia.artifacts import (
    Article,
    FormInfo,
    LinkTarget,
    Menu,
    PageLink,
    PageSnapshot,
)
from govmedia.collect.http import FetchResult
from govmedia.collect.page_dates import list_items

MAX_TEXT = 50_000
MAX_HIDDEN = 5_000
MAX_LINKS = 1_000
MAX_META = 500

_SKIP = frozenset({"script", "style", "noscript", "template", "head", "svg", "object"})
_BLOCK = frozenset({
    "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "br", "dd", "dt", "ul", "ol",
    "table", "section", "article", "header", "footer", "nav", "form", "aside", "main", "hr",
    "blockquote", "pre", "address", "figure", "figcaption", "dl", "tbody", "thead", "option",
})
_CELL = frozenset({"td", "th"})
_HIDE_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:px|pt|em|rem)?\s*(?:;|$|!)"
    r"|(?:left|top|right|text-indent|margin-left|margin-top)\s*:\s*-\d{3,}",
    re.I,
)
_TINY_BOX = re.compile(r"(?:^|;)\s*(?:height|width)\s*:\s*[01](?:px)?\s*(?:;|$|!)", re.I)
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"\s*([.#])([\w-]+)\s*")
_CRUMB = re.compile(r"^\s*(?:当前位置|您的位置|您现在的位置|当前所在位置)\s*[:：]")
_CAPTCHA = re.compile(r"captcha|checkcode|verify_?code|vcode|yzm|validcode|验证码", re.I)
_ID_CARD = re.compile(r"id_?card|sfzh?\b|zjhm|cert_?no|身份证|证件号", re.I)
_REFRESH = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.I)
_JS_REDIRECT = re.compile(
    r"(?:location(?:\.href)?\s*=|location\.(?:replace|assign)\s*\()\s*['\"]([^'\"]+)['\"]")
_NON_FIELD = frozenset({"hidden", "submit", "button", "image", "reset"})


class Fetcher(Protocol):
    """What gather_linked_pages needs from the shared downloader."""

    async def fetch(self, url: str) -> FetchResult: ...


def page_snapshot(fetch: FetchResult, *, label: str = "", menu_path: str = "",
                  origin: str = "menu") -> PageSnapshot:
    """Return the parsed snapshot of one fetched page (fetch facts + what the page shows)."""
    content_type = fetch.headers.get("content-type", "").split(";")[0].strip().lower()
    snap = PageSnapshot(
        url=fetch.url, final_url=fetch.final_url or fetch.url, status=fetch.status,
        redirects=tuple(fetch.redirects), headers=dict(fetch.headers), error=fetch.error,
        error_detail=fetch.error_detail, elapsed=fetch.elapsed, fetched_at=fetch.fetched_at,
        truncated=fetch.truncated, warc_record_id=fetch.warc_record_id, size=len(fetch.body),
        encoding=fetch.encoding, content_type=content_type, label=label, menu_path=menu_path,
        origin=origin,
    )
    if fetch.error or not fetch.text:
        return snap
    if not _looks_like_html(content_type, fetch.text):
        return replace(snap, note=f"非网页内容（{content_type or '未知类型'}），未解析页面内容")
    snap = _parse(snap, fetch.text)
    notes = [snap.note] if snap.note else []
    if fetch.truncated:
        notes.append(f"页面超过大小上限，仅解析了前{len(fetch.body)}字节")
    if _garbled(snap.text + snap.title):
        notes.append("页面编码无法识别，文字出现大量乱码")
    return replace(snap, note="；".join(notes))


def _looks_like_html(content_type: str, text: str) -> bool:
    if "html" in content_type or "xml" in content_type:
        return True
    head = text.lstrip()[:200].lower()
    return head.startswith("<") or "<html" in head or "<body" in head


def _garbled(text: str) -> bool:
    """Return True when decoding clearly failed (replacement characters or Latin-1 mojibake)."""
    if not text:
        return False
    bad = text.count("\ufffd")
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if "\u00c0" <= ch <= "\u00ff")
    return (bad >= 10 and bad > len(text) * 0.02) or (latin > 50 and latin > cjk)


def _parse(snap: PageSnapshot, html: str) -> PageSnapshot:
    tree = LexborHTMLParser(html)
    base = snap.final_url or snap.url
    hidden_cls = _hidden_selectors(tree)
    visible: list[str] = []
    hidden: list[str] = []
    links: list[PageLink] = []
    _walk(tree.body or tree.root, hidden_cls, base, visible, hidden, links)
    text = _clean_lines("".join(visible))
    headings = [_squash(h.text()) for h in tree.css("h1, h2, h3") if not _is_hidden(h, hidden_cls)]
    headings += [line for line in text.splitlines() if _CRUMB.match(line)][:3]
    title_node = tree.css_first("title")
    return replace(
        snap,
        title=_squash(title_node.text()) if title_node else "",
        headings=tuple(h[:200] for h in headings if h)[:20],
        text=text[:MAX_TEXT], text_length=len(text),
        hidden_text=_clean_lines("".join(hidden))[:MAX_HIDDEN],
        meta=_meta(tree), links=tuple(links[:MAX_LINKS]), forms=_forms(tree, base),
        list_items=list_items(tree, base, snap.fetched_at),
        scripts=len(tree.css("script")), client_redirect=_client_redirect(tree, base),
    )


def _walk(root: LexborNode | None, hidden_cls: frozenset[str], base: str, visible: list[str],
          hidden: list[str], links: list[PageLink]) -> None:
    """Collect text into visible/hidden and every link, in document order (no recursion)."""
    if root is None:
        return
    stack: list[tuple[LexborNode | str, bool]] = [(root, False)]
    while stack:
        node, in_hidden = stack.pop()
        if isinstance(node, str):
            (hidden if in_hidden else visible).append(node)
            continue
        if node.is_text_node:
            (hidden if in_hidden else visible).append(node.text_content or "")
            continue
        tag = node.tag or ""
        if tag.startswith("-") or tag in _SKIP:
            continue
        is_hidden = in_hidden or _is_hidden(node, hidden_cls)
        if tag == "a" and len(links) < MAX_LINKS:
            link = _link(node, base, is_hidden)
            if link is not None:
                links.append(link)
        sep = "\n" if tag in _BLOCK else " " if tag in _CELL else ""
        if sep:
            stack.append((sep, is_hidden))
        children = list(node.iter(include_text=True))
        stack.extend((child, is_hidden) for child in reversed(children))
        if sep:
            stack.append((sep, is_hidden))


def _is_hidden(node: LexborNode, hidden_cls: frozenset[str]) -> bool:
    attrs = node.attributes
    if "hidden" in attrs:
        return True
    style = attrs.get("style") or ""
    if style and (_HIDE_STYLE.search(style)
                  or (_TINY_BOX.search(style) and "overflow" in style.lower())):
        return True
    if hidden_cls:
        classes = {f".{c}" for c in (attrs.get("class") or "").split()}
        if attrs.get("id"):
            classes.add(f"#{attrs['id']}")
        return bool(classes & hidden_cls)
    return False


def _hidden_selectors(tree: LexborHTMLParser) -> frozenset[str]:
    """Return the simple .class / #id selectors that a <style> block hides (spam injection)."""
    found: set[str] = set()
    for style in tree.css("style"):
        for selectors, body in _CSS_RULE.findall(style.text() or ""):
            if not _HIDE_STYLE.search(body):
                continue
            for sel in selectors.split(","):
                if m := _SIMPLE_SELECTOR.fullmatch(sel):
                    found.add(m.group(1) + m.group(2))
    return frozenset(found)


def _link(node: LexborNode, base: str, hidden: bool) -> PageLink | None:
    href = (node.attributes.get("href") or "").strip()
    if not href or href.startswith("#") or href.lower().startswith(("javascript:", "data:")):
        return None
    text = _squash(node.text())
    if not text:
        img = node.css_first("img")
        text = node.attributes.get("title") or (img.attributes.get("alt") if img else "") or ""
    return PageLink(urljoin(base, href), text[:200], hidden)


def _meta(tree: LexborHTMLParser) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in tree.css("meta")[:50]:
        attrs = node.attributes
        name = (attrs.get("name") or attrs.get("property") or attrs.get("http-equiv") or "")
        if name and attrs.get("content") is not None:
            out.setdefault(name.strip().lower(), (attrs.get("content") or "")[:MAX_META])
    return out


def _forms(tree: LexborHTMLParser, base: str) -> tuple[FormInfo, ...]:
    forms = [_form_info(f.css("input, textarea, select"), f.text(), f.css("img"),
                        urljoin(base, f.attributes.get("action") or ""),
                        (f.attributes.get("method") or "get").lower()) for f in tree.css("form")]
    loose = [n for n in tree.css("input, textarea") if not _inside(n, "form")]
    if loose:
        forms.append(_form_info(loose, "", tree.css("img"), "", "get"))
    return tuple(f for f in forms if f.fields or f.textareas)[:20]


def _form_info(inputs: list[LexborNode], text: str, images: list[LexborNode], action: str,
               method: str) -> FormInfo:
    fields: list[str] = []
    password = captcha = id_card = False
    textareas = 0
    for node in inputs:
        attrs = node.attributes
        kind = node.tag if node.tag in ("textarea", "select") else (
            attrs.get("type") or "text").lower()
        if kind in _NON_FIELD:
            continue
        textareas += kind == "textarea"
        words = " ".join(str(attrs.get(k) or "") for k in ("name", "id", "placeholder", "class"))
        password |= kind == "password"
        captcha |= bool(_CAPTCHA.search(words))
        id_card |= bool(_ID_CARD.search(words))
        name = attrs.get("placeholder") or attrs.get("name") or attrs.get("id") or ""
        fields.append(f"{kind}:{name}"[:80])
    captcha |= any(_CAPTCHA.search(i.attributes.get("src") or "") for i in images)
    id_card |= bool(fields) and bool(re.search(r"身份证号|证件号码", text or ""))
    return FormInfo(action=action, method=method, fields=tuple(fields[:30]), password=password,
                    captcha=captcha, id_card=id_card, textareas=textareas)


def _inside(node: LexborNode, tag: str) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == tag:
            return True
        parent = parent.parent
    return False


def _client_redirect(tree: LexborHTMLParser, base: str) -> str:
    for node in tree.css("meta"):
        if (node.attributes.get("http-equiv") or "").lower() == "refresh":
            if m := _REFRESH.search(node.attributes.get("content") or ""):
                return urljoin(base, m.group(1).strip())
    for node in tree.css("script"):
        if m := _JS_REDIRECT.search(node.text() or ""):
            return urljoin(base, m.group(1).strip())
    return ""


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _clean_lines(text: str) -> str:
    lines = (re.sub(r"[ \t\u3000\xa0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# --- fetching ---------------------------------------------------------------------------------


async def gather_linked_pages(downloader: Fetcher, targets: Sequence[LinkTarget], *,
                              max_pages: int = 300,
                              concurrency: int = 16) -> tuple[PageSnapshot, ...]:
    """Return one snapshot per target, fetching each distinct URL once.

    URLs beyond max_pages are not fetched: their snapshots carry error "skipped" and say so,
    so that checks report them as not checked rather than as passed.
    """
    urls = list(dict.fromkeys(t.url for t in targets))
    wanted, skipped = urls[:max_pages], set(urls[max_pages:])
    gate = asyncio.Semaphore(concurrency)

    async def one(url: str) -> FetchResult:
        async with gate:
            return await downloader.fetch(url)

    fetched = dict(zip(wanted, await asyncio.gather(*(one(u) for u in wanted)), strict=True))
    snaps = []
    for t in targets:
        if t.url in skipped:
            snaps.append(PageSnapshot(url=t.url, error="skipped", label=t.label,
                                      menu_path=t.menu_path, origin=t.origin,
                                      error_detail=f"超过每个账号{max_pages}个网页的上限，未抓取"))
        else:
            snaps.append(page_snapshot(fetched[t.url], label=t.label, menu_path=t.menu_path,
                                       origin=t.origin))
    return tuple(snaps)


def link_targets(menu: Menu | None, articles: Sequence[Article] = (), *,
                 body_links: int = 20) -> tuple[LinkTarget, ...]:
    """Return the links to follow: menu view URLs and menu articles, then article links.

    Mini-program and event (click, scancode, ...) buttons have nothing to fetch; the
    link.unverifiable check lists them from the menu itself.
    """
    out: list[LinkTarget] = []
    for top in menu.items if menu is not None else ():
        for item, path in [(top, top.name)] + [(c, f"{top.name}/{c.name}") for c in top.children]:
            if item.children and item is top:
                continue
            if item.type == "view" and item.url:
                out.append(LinkTarget(item.url, item.name, path, "menu"))
            out += [LinkTarget(u, item.name, path, "menu") for u in item.article_urls if u]
            if item.type == "text" and "href" in item.value:
                hrefs = re.findall(r"href\s*=\s*['\"]?([^'\" >]+)", item.value)
                out += [LinkTarget(u, item.name, path, "menu") for u in hrefs]
    for art in articles:
        where = f"文章《{art.title}》"
        if art.read_original_url:
            out.append(LinkTarget(art.read_original_url, "阅读原文", where, "article"))
        out += [LinkTarget(u, "", where, "article") for u in art.links[:body_links]]
    return tuple(t for t in out if t.url.startswith(("http://", "https://")))
