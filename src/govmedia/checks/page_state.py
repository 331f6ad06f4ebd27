"""What state a linked page is in: unreachable, error page, login wall, not verifiable, or fine.

Shared by the page checks (links, columns, content, security, privacy). Each function returns
a Chinese reason, or "" when the state does not hold. The signals are data
(data/page_signals.yaml, data/label_taxonomy.yaml).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import yaml

from govmedia.artifacts import AccountArtifacts, PageSnapshot
from govmedia.findings import NotChecked

_ERRORS = {
    "dns": "域名无法解析",
    "refused": "连接被拒绝",
    "reset": "连接被重置",
    "timeout": "连接超时",
    "tls": "证书或加密连接（TLS）错误",
    "too_large": "页面过大，超过下载上限",
    "redirect_loop": "重定向形成循环",
    "too_many_redirects": "重定向次数过多",
    "protocol": "服务器响应不符合HTTP协议",
    "invalid_url": "链接地址格式错误",
}
_STATUS = {
    400: "请求错误", 401: "需要身份验证", 403: "禁止访问", 404: "页面不存在", 405: "方法不被允许",
    410: "页面已删除", 451: "因法律原因不可用", 500: "服务器内部错误", 502: "网关错误",
    503: "服务不可用", 504: "网关超时",
}
_HOME_PATHS = re.compile(r"^/?(?:index|default|main)?(?:\.s?html?|\.jsp|\.php|\.aspx?)?$", re.I)


@cache
def load_data(name: str) -> dict[str, Any]:
    """Return a data file of govmedia/data (YAML) as a mapping, loaded once."""
    text = (resources.files("govmedia") / "data" / f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def signal(key: str) -> re.Pattern[str]:
    """Return the compiled pattern of one list in data/page_signals.yaml."""
    patterns = load_data("page_signals")[key]
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I)


def target_of(page: PageSnapshot) -> str:
    """Return where a person finds the link: the menu path, the article, or the URL."""
    return page.menu_path or page.label or page.url


def http_evidence(page: PageSnapshot) -> dict[str, Any]:
    """Return the fetch facts of a page as finding evidence."""
    return {
        "url": page.url, "final_url": page.final_url, "status": page.status,
        "redirects": list(page.redirects), "error": page.error, "error_detail": page.error_detail,
        "elapsed": round(page.elapsed, 3), "label": page.label, "menu_path": page.menu_path,
        "origin": page.origin, "title": page.title,
        "fetched_at": page.fetched_at.isoformat() if page.fetched_at else None,
        "warc_record_id": page.warc_record_id, "excerpt": page.text[:200],
    }


def where(page: PageSnapshot) -> str:
    """Return the Chinese phrase that names the link, e.g. 菜单“厅长信箱”的链接."""
    if page.origin == "menu" and (page.menu_path or page.label):
        return f"菜单“{page.menu_path or page.label}”的链接"
    if page.menu_path:
        return f"{page.menu_path}中的链接"
    return "链接"


def blocked_reason(page: PageSnapshot) -> str:
    """Return why the page cannot be judged now (rate limit, anti-bot, garbled, JS only)."""
    if page.error == "skipped":
        return page.error_detail or "未抓取"
    if page.status == 429:
        return "网站限制访问频率（HTTP 429），请稍后重试"
    if page.error:
        return ""
    host = urlsplit(page.final_url or page.url).hostname or ""
    if host.endswith("weixin.qq.com"):
        if signal("wechat_blocked_url").search(page.final_url):
            return "微信要求人机验证（环境异常），请稍后重试"
        if page.text_length < 600 and signal("wechat_blocked_text").search(
                f"{page.title}\n{page.text}"):
            return "微信提示“环境异常/暂时无法查看”，请稍后重试"
    if not page.ok:
        return ""
    if "乱码" in page.note:
        return "页面编码无法识别，内容未能检查"
    if page.text_length < 20 and page.scripts and not page.client_redirect:
        return "页面内容由脚本动态生成，静态抓取看不到内容，需在浏览器中核验"
    return ""


def dead_reason(page: PageSnapshot) -> str:
    """Return why the link does not open (transport error or HTTP 4xx/5xx), or ""."""
    if blocked_reason(page):
        return ""
    if page.error:
        detail = page.error_detail or _ERRORS.get(page.error, page.error)
        return f"{detail}（{page.error}）" if page.error in _ERRORS else detail
    if page.status is not None and page.status >= 400:
        return f"HTTP {page.status}（{_STATUS.get(page.status, '服务器返回错误')}）"
    if page.status is None:
        return "没有收到服务器响应"
    return ""


def error_page_reason(page: PageSnapshot) -> str:
    """Return why a page that answered 200 is in fact an error page (by content), or ""."""
    if not page.ok or blocked_reason(page) or page.note.startswith("非网页"):
        return ""
    data = load_data("page_signals")
    gone = signal("wechat_gone").search(f"{page.title}\n{page.text[:600]}")
    if gone and page.text_length < 1000:
        return f"微信文章提示“{gone.group(0)}”"
    # An announcement about a maintenance window (关于系统维护的公告) is a real page.
    is_notice = any(w in page.title for w in data["announcement_title"])
    if not is_notice and (m := signal("error_title").search(page.title)):
        return f"页面标题为“{page.title}”（含“{m.group(0).strip()}”）"
    if page.text_length < int(data["short_text"]) and not is_notice:
        if m := signal("error_text").search(page.text):
            return f"页面内容很少且显示“{m.group(0).strip()}”"
    if page.text_length < 20 and not page.links and not page.forms and not page.scripts:
        return f"页面为空白（可见文字仅{page.text_length}个字）"
    return _home_redirect(page)


def _home_redirect(page: PageSnapshot) -> str:
    if not page.redirects:
        return ""
    asked, final = urlsplit(page.url), urlsplit(page.final_url)
    if _HOME_PATHS.match(asked.path or "/") or not _HOME_PATHS.match(final.path or "/"):
        return ""
    if final.query or label_function(page.label) == "website":
        return ""
    return f"链接被重定向到网站首页（{page.final_url}），原页面可能已删除或迁移"


def login_wall_signals(page: PageSnapshot) -> list[str]:
    """Return the login-wall signals a page shows (empty when it is not a login wall)."""
    if not page.ok or blocked_reason(page):
        return []
    data = load_data("page_signals")
    found = []
    final = urlsplit(page.final_url)
    if page.redirects and page.final_url != page.url and signal("login_url").search(
            f"{final.path}?{final.query}"):
        found.append(f"跳转到登录地址 {page.final_url}")
    if page.client_redirect and page.text_length < 300 and signal("login_url").search(
            page.client_redirect):
        found.append(f"页面脚本跳转到登录地址 {page.client_redirect}")
    login_title = signal("login_text").search(page.title)
    asks = [f for f in page.forms if f.password or f.id_card]
    if asks and (page.text_length < int(data["login_little_text"]) or login_title):
        kind = "密码" if any(f.password for f in asks) else "身份证号码"
        found.append(f"页面主要内容为要求输入{kind}的登录/实名认证表单")
    if found and (m := signal("login_text").search(f"{page.title}\n{page.text[:500]}")):
        found.append(f"页面显示“{m.group(0)}”")
    return found


def label_function(label: str) -> str:
    """Return the function id (mailbox, guide, ...) whose label keyword is longest in label."""
    best, best_len = "", 0
    for fid, spec in load_data("label_taxonomy")["functions"].items():
        for word in spec["labels"]:
            if str(word) in label and len(str(word)) > best_len:
                best, best_len = fid, len(str(word))
    return best


def login_expected(label: str) -> bool:
    """Return True when the label names a function that may require logging in."""
    tax = load_data("label_taxonomy")
    if any(w in label for w in tax["login_public"]):
        return False
    return any(w in label for w in tax["login_expected"])


def readable(page: PageSnapshot) -> bool:
    """Return True when the page loaded and its content can be judged."""
    return (page.ok and not blocked_reason(page) and not error_page_reason(page)
            and not login_wall_signals(page) and bool(page.text))


def expected_links(artifacts: AccountArtifacts, origin: str = "") -> int:
    """Return how many web links the menu and/or the articles hold (what pages should cover)."""
    count = 0
    for top in artifacts.menu.items if artifacts.menu is not None and origin != "article" else ():
        for item in (top, *top.children):
            count += bool(item.type == "view" and item.url) + len(item.article_urls)
    for src in artifacts.sources if origin != "menu" else ():
        for art in src.articles if src.ok else ():
            count += bool(art.read_original_url) + len(art.links)
    return count


def pages_or_raise(artifacts: AccountArtifacts, *, origin: str = "") -> list[PageSnapshot]:
    """Return the collected pages (of one origin if given).

    An empty list when the account links to no web page at all (a known menu without links and
    articles without links); NotChecked when there are links but no page was collected, or
    when the menu could not be read.
    """
    pages = [p for p in artifacts.pages if not origin or p.origin == origin]
    if pages:
        return pages
    if not expected_links(artifacts, origin) and (artifacts.menu is not None
                                                  or origin == "article"):
        return []
    what = {"menu": "菜单指向的网页", "article": "文章链接指向的网页"}.get(
        origin, "菜单或文章链接指向的网页")
    why = f"（{artifacts.menu_error}）" if artifacts.menu is None and artifacts.menu_error else ""
    raise NotChecked(f"未采集到{what}{why}，无法检查")
