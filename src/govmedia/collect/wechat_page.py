"""Public article pages (mp.weixin.qq.com/s/…): the true send time, the 原创 flag, the body,
and what an interstitial says when the article is gone (collection.md §2).

Deleted, violating and anti-bot pages all answer HTTP 200; they are told apart by their text
(§2.6). A "blocked" page (环境异常/去验证) means "retry later", never a broken link.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import datetime
from html import unescape

from selectolax.lexbor import LexborHTMLParser, LexborNode

from govmedia.artifacts import CHINA_TZ, Article, SourceRead
from govmedia.collect.http import Downloader
from govmedia.collect.page_scripts import CgiData, cgi_data_new, classic_vars

# Checked in this order on a page without an article body; the first marker found wins.
STATUS_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("blocked", ("环境异常", "去验证", "访问过于频繁", "操作频繁", "完成验证后即可继续访问")),
    ("deleted", ("该内容已被发布者删除", "The content has been deleted by the author",
                 "该内容已被发送人删除")),
    ("violation", ("此内容因违规无法查看", "该内容被投诉且经审核涉嫌违规")),
    ("send_failed", ("此内容发送失败无法查看",)),
    ("privacy", ("根据作者隐私设置",)),
    ("unavailable", ("该内容暂时无法查看",)),
    ("expired_link", ("链接已过期",)),
    ("error", ("系统出错",)),
)
CAPTCHA_URL = re.compile(r"captcha|wappoc_appmsgcaptcha", re.I)
BLOCKED_MESSAGE = "访问被微信拦截，需要验证"
BLOCKED_REASON = "被微信拦截（环境异常，需要验证），请稍后重试"
SKIPPED_REASON = "未读取：微信已拦截本次读取，请稍后重试"
COPYRIGHT = {"1": "original", "2": "reprint", "0": "none"}
MAX_ERRORS_SHOWN = 3
BLOCK_TAGS = {"p", "div", "section", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
              "blockquote", "ul", "ol", "table", "figure", "figcaption", "hr"}


def _text(node: LexborNode | None) -> str:
    return " ".join(node.text(separator=" ").split()) if node is not None else ""


def _body_text(content: LexborNode | None) -> str:
    """Return the body's text, one line per block element, with no spaces added inside lines."""
    if content is None:
        return ""
    parts: list[str] = []
    for node in content.traverse(include_text=True):
        if node.tag == "-text":
            if node.parent is None or node.parent.tag not in ("script", "style"):
                parts.append(node.text_content or "")
        elif node.tag in BLOCK_TAGS:
            parts.append("\n")
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)


def _meta(tree: LexborHTMLParser, attr: str, name: str) -> str:
    node = tree.css_first(f'meta[{attr}="{name}"]')
    return " ".join((node.attributes.get("content") or "").split()) if node else ""


def _http_url(raw: str | None) -> str:
    url = (raw or "").strip()
    while "&amp;" in url:
        url = url.replace("&amp;", "&")
    return url if url.lower().startswith(("http://", "https://")) else ""


def _first(*values: str | None) -> str:
    return next((v.strip() for v in values if v and v.strip()), "")


def _time(value: str) -> datetime | None:
    """Return a CHINA_TZ time from unix seconds or 'YYYY-MM-DD HH:MM[:SS]' (Beijing time)."""
    value = value.strip()
    if value.isdigit() and int(value) > 0:
        return datetime.fromtimestamp(int(value), CHINA_TZ)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=CHINA_TZ)
        except ValueError:
            continue
    return None


def _published(var: dict[str, str], cgi: dict[str, str]) -> datetime | None:
    candidates = (var.get("ct"), var.get("create_time"), cgi.get("ori_send_time"),
                  cgi.get("create_time"), cgi.get("ori_create_time"))
    return next((t for c in candidates if c and (t := _time(c))), None)


def _content_links(content: LexborNode | None) -> tuple[str, ...]:
    if content is None:
        return ()
    urls = (_http_url(a.attributes.get("href")) for a in content.css("a[href]"))
    return tuple(dict.fromkeys(u for u in urls if u))


def _count(content: LexborNode | None, selector: str) -> int:
    return len(content.css(selector)) if content is not None else 0


def _images(content: LexborNode | None) -> int:
    if content is None:
        return 0
    return sum(1 for img in content.css("img")
               if img.attributes.get("data-src") or img.attributes.get("src"))


def _status(tree: LexborHTMLParser, url: str, has_body: bool) -> tuple[str, str]:
    """Return (status, the page's own message) per the §2.6 table."""
    if CAPTCHA_URL.search(url):
        return "blocked", BLOCKED_MESSAGE
    if has_body:
        return "ok", ""
    for node in tree.css("script, style"):
        node.decompose()
    shown = _first(_text(tree.css_first(".weui-msg__title")), _text(tree.css_first(".mesg-block")))
    page_text = f"{_text(tree.css_first('title'))} {_text(tree.body)}"
    for status, markers in STATUS_MARKERS:
        if any(marker in page_text for marker in markers):
            return status, shown or next(m for m in markers if m in page_text)
    return "unknown_page", shown


def _has_body(tree: LexborHTMLParser, cgi: CgiData | None) -> bool:
    if tree.css_first("#js_content") is not None:
        return True
    if cgi is None or cgi.nested.get(("base_resp", "ret"), "0") != "0":
        return False
    return bool(cgi.fields.get("title") or cgi.fields.get("ori_send_time")
                or cgi.fields.get("create_time"))


def _cgi_fields(cgi: CgiData | None) -> dict[str, str]:
    """Return cgiDataNew's top-level fields, HTML entities decoded except in the body text."""
    if cgi is None:
        return {}
    fields = {k: v if k == "content_noencode" else unescape(v) for k, v in cgi.fields.items()}
    if nested := cgi.nested.get(("text_page_info", "content_noencode")):  # text posts (10)
        fields.setdefault("content_noencode", nested)
    return fields


def _decode(html: bytes | str) -> str:
    return html.decode("utf-8", "replace") if isinstance(html, bytes) else html


def parse_article_page(html: bytes | str, url: str) -> Article:
    """Return the Article a public WeChat page shows (status "ok" or the interstitial's kind).

    For a page that is not an article (deleted, blocked, …) the page's own message is kept in
    `digest`, and the other fields stay empty.
    """
    tree = LexborHTMLParser(_decode(html))
    script = "\n".join(s.text() for s in tree.css("script"))
    var = classic_vars(script)
    cgi_data = cgi_data_new(script)
    cgi = _cgi_fields(cgi_data)
    content = tree.css_first("#js_content")
    status, message = _status(tree, url, _has_body(tree, cgi_data))
    if status != "ok":
        return Article(title="", url=url, published_at=None, source="article_page",
                       status=status, digest=message)
    show_type = _first(var.get("item_show_type"), cgi.get("item_show_type"))
    body_text = _body_text(content)
    cgi_lines = (" ".join(ln.split()) for ln in cgi.get("content_noencode", "").splitlines())
    cgi_text = "\n".join(ln for ln in cgi_lines if ln)
    stat = _first(var.get("_copyright_stat"), var.get("copyright_stat"), cgi.get("copyright_stat"))
    if not stat and "原创" in _text(tree.css_first("#copyright_logo")):
        stat = "1"
    return Article(
        title=_first(_meta(tree, "property", "og:title"), _text(tree.css_first("#activity-name")),
                     var.get("msg_title"), cgi.get("title")),
        url=url or _first(var.get("msg_link"), _meta(tree, "property", "og:url"),
                          cgi.get("link")),
        published_at=_published(var, cgi),
        time_kind="send",
        source="article_page",
        author=_first(var.get("author"), _meta(tree, "name", "author"), cgi.get("author")),
        digest=_first(_meta(tree, "property", "og:description"),
                      _meta(tree, "name", "description"), var.get("msg_desc"), cgi.get("desc")),
        account_name=_first(var.get("nickname"), _text(tree.css_first("#js_name")),
                            cgi.get("nick_name")),
        copyright=COPYRIGHT.get(stat, "unknown"),
        status="ok",
        show_type=int(show_type) if show_type.isdigit() else None,
        read_original_url=_http_url(var.get("msg_source_url")),
        body_text=cgi_text if len(cgi_text) > len(body_text) else body_text,
        images=max(_images(content), cgi_data.pictures if cgi_data else 0),
        videos=_count(content, "iframe.video_iframe, mp-common-videosnap"),
        audios=_count(content, "mp-common-mpaudio, mpvoice"),
        links=_content_links(content),
        comment_id=_first(var.get("comment_id"), cgi.get("comment_id")),
    )


async def _one(downloader: Downloader, url: str, gate: asyncio.Semaphore,
               blocked: asyncio.Event) -> Article | str:
    """Return the page's Article, or a Chinese "url（reason）" when it could not be read.

    An anti-bot page (or a redirect to a captcha) is not an article: it is a failure to read,
    and once one is seen the pages not yet requested are skipped, not requested into the block.
    """
    async with gate:
        if blocked.is_set():
            return f"{url}（{SKIPPED_REASON}）"
        resp = await downloader.fetch(url)
    if resp.error or resp.status is None:
        return f"{url}（{resp.error_detail or resp.error}）"
    if resp.status >= 400:
        return f"{url}（HTTP {resp.status}）"
    article = parse_article_page(resp.body, url)
    if article.status == "blocked" or CAPTCHA_URL.search(resp.final_url):
        blocked.set()
        return f"{url}（{BLOCKED_REASON}）"
    return article


async def gather_article_pages(downloader: Downloader, urls: Sequence[str], *,
                               concurrency: int = 4) -> SourceRead:
    """Return the parsed public pages of urls (deduplicated) as one SourceRead; never raises.

    ok is True when at least one page was fetched and parsed (ok, deleted, violation, …);
    pages that could not be downloaded, and anti-bot pages (status "blocked", which say
    nothing about the article), are left out and named in `error`.
    """
    fetched_at = datetime.now(CHINA_TZ)
    unique = list(dict.fromkeys(u for u in urls if u))
    if not unique:
        return SourceRead(source="article_page", ok=False, fetched_at=fetched_at,
                          error="没有可读取的文章链接")
    gate, blocked = asyncio.Semaphore(max(1, concurrency)), asyncio.Event()
    results = await asyncio.gather(*(_one(downloader, u, gate, blocked) for u in unique))
    articles = tuple(r for r in results if isinstance(r, Article))
    failures = [r for r in results if isinstance(r, str)]
    error = ""
    if failures:
        shown = "；".join(failures[:MAX_ERRORS_SHOWN])
        more = "等" if len(failures) > MAX_ERRORS_SHOWN else ""
        whole = "全部 " if not articles else ""
        error = f"{whole}{len(failures)} 篇文章页面未能读取：{shown}{more}"
    return SourceRead(source="article_page", ok=bool(articles), fetched_at=fetched_at,
                      articles=articles, error=error)
