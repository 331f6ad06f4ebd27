"""WeChat Official Account API client: access token, custom menu, published list, datacube.

Every request goes through the httpx.AsyncClient passed in (never one made here), so timeouts,
connection limits and the User-Agent are the caller's. WeChat answers errors as HTTP 200 with
{"errcode": N, "errmsg": "... rid: ..."}; each becomes a WeChatError whose .message is one
Chinese sentence for the report. gather_wechat() never raises for WeChat or network trouble:
each source becomes a SourceRead with ok=False and that sentence (collection.md §1).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import httpx

from govmedia.artifacts import CHINA_TZ, Article, Menu, MenuItem, SourceRead

Sleep = Callable[[float], Awaitable[Any]]
T = TypeVar("T")

TOKEN_PATH = "/cgi-bin/token"
STABLE_TOKEN_PATH = "/cgi-bin/stable_token"
SELFMENU_PATH = "/cgi-bin/get_current_selfmenu_info"
MENU_GET_PATH = "/cgi-bin/menu/get"
FREEPUBLISH_PATH = "/cgi-bin/freepublish/batchget"
DATACUBE_PATH = "/datacube/getarticlesummary"

# Codes that are ours, not WeChat's: no usable answer came back at all.
NETWORK_ERROR = -1000
HTTP_ERROR = -1001
BAD_RESPONSE = -1002

CREDENTIAL_CODES = frozenset({40001, 40014, 42001})  # refresh the token once, retry once
RETRY_CODES = frozenset({-1, 45011})  # system busy; per-minute limit
# Errors after which trying the other menu endpoint cannot help.
_NO_MENU_FALLBACK = CREDENTIAL_CODES | {40013, 40125, 40164, 40243, 41001, 50002, NETWORK_ERROR}

TOKEN_MARGIN_S = 300.0  # "普通模式下平台会提前5分钟更新access_token" (stable_token doc)
ATTEMPTS = 3  # per request, for retryable failures
BACKOFF_S = 1.0  # 1 s, then 2 s
MINUTE_S = 60.0
MAX_WAIT_S = 75.0  # total sleeping per request: room for one wait for the next minute
PAGE_SIZE = 20  # freepublish/batchget: count must be 1..20

_MESSAGES = {
    -1: "微信接口系统繁忙（-1），重试后仍未成功，请稍后再试",
    40001: "AppSecret 错误或 access_token 无效（40001）：请核对账号登记的 AppSecret",
    40013: "AppID 无效（40013）：请核对账号登记的 AppID",
    40014: "access_token 无效（40014），重新获取后仍被拒绝",
    40097: "接口参数错误（40097）：请求格式与接口要求不符",
    40125: "AppSecret 无效（40125）：请核对账号登记的 AppSecret，或在公众平台重置后更新",
    40164: "调用接口的服务器 IP 未加入公众号白名单（40164）："
    "请在公众平台“设置与开发—基本配置”中将 {ip} 加入 IP 白名单",
    40243: "AppSecret 已被冻结（40243）：请登录公众平台解冻后再试",
    41001: "请求缺少 access_token（41001）",
    42001: "access_token 已过期（42001），重新获取后仍被拒绝",
    45009: "今日接口调用配额已用尽（45009）：请明天再试，或在公众平台清零调用次数",
    45011: "接口每分钟调用次数超限（45011），等待后仍未成功，请稍后再试",
    46003: "公众号没有通过接口创建的自定义菜单（46003）",
    48001: "接口未授权（48001）：账号未认证或未开通该接口权限",
    48004: "接口被禁用（48004）：公众号因违规被禁止调用该接口",
    50001: "用户未授权该接口（50001）：账号未认证或未开通该接口权限",
    50002: "公众号受限（50002）：账号可能已被冻结或封禁",
    53600: "文章 ID 无效（53600）：文章可能已被删除",
    61500: "统计日期格式错误（61500）",
    61501: "统计日期超出允许范围（61501）：结束日期最晚为昨天",
}
_RID = re.compile(r"\s*,?\s*rid:\s*\S+\s*$")
_IP = re.compile(r"invalid ip ([0-9A-Fa-f.:]+)")


def error_message(code: int, errmsg: str = "") -> str:
    """Return the Chinese sentence for a WeChat errcode (generic, with errmsg, when unknown)."""
    template = _MESSAGES.get(code)
    if template is None:
        detail = _RID.sub("", errmsg).strip() or "无说明"
        return f"微信接口返回错误（{code}）：{detail}"
    if code == 40164:
        ip = _IP.search(errmsg)
        return template.format(ip=ip.group(1) if ip else "本机出口 IP")
    return template


class WeChatError(Exception):
    """A failed WeChat call: .code (errcode or a *_ERROR code above), .message (Chinese)."""

    def __init__(self, code: int, errmsg: str = "", message: str = "",
                 retryable: bool | None = None) -> None:
        self.code = code
        self.errmsg = errmsg
        self.message = message or error_message(code, errmsg)
        self.retryable = code in RETRY_CODES if retryable is None else retryable
        super().__init__(self.message)


# --- transport: one request, retried only where waiting helps ---------------------------------


async def _send(client: httpx.AsyncClient, method: str, url: str,
                params: dict[str, str] | None, body: dict[str, Any] | None) -> dict[str, Any]:
    try:
        resp = await client.request(method, url, params=params, json=body)
    except httpx.TimeoutException as exc:
        raise WeChatError(NETWORK_ERROR, repr(exc), f"连接微信接口超时：{url}", True) from exc
    except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        raise WeChatError(NETWORK_ERROR, repr(exc), f"无法连接微信接口服务器：{url}", True) from exc
    except httpx.HTTPError as exc:  # bad base URL, unsupported scheme: retrying cannot help
        raise WeChatError(NETWORK_ERROR, repr(exc), f"无法请求微信接口（{exc}）：{url}",
                          False) from exc
    if resp.status_code != 200:
        retry = resp.status_code >= 500 or resp.status_code == 429
        raise WeChatError(HTTP_ERROR, resp.reason_phrase,
                          f"微信接口返回 HTTP {resp.status_code}：{url}", retry)
    try:
        data = resp.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise WeChatError(BAD_RESPONSE, resp.text[:200], f"微信接口返回的内容无法解析：{url}",
                          False)
    try:
        code = int(data.get("errcode") or 0)
    except (TypeError, ValueError):
        code = BAD_RESPONSE
    if code != 0:
        raise WeChatError(code, str(data.get("errmsg", "")))
    return data


def _delay(exc: WeChatError, attempt: int) -> float:
    if exc.code == 45011:  # "must slower retry next minute": 60 s always reaches the next one
        return MINUTE_S
    return BACKOFF_S * 2**attempt


async def request(client: httpx.AsyncClient, method: str, url: str, *, sleep: Sleep,
                  params: dict[str, str] | None = None,
                  body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the JSON object of a successful call; raise WeChatError once retries are spent.

    Retries (with back-off, at most MAX_WAIT_S of sleeping in all) only network failures,
    HTTP 5xx/429, errcode -1 and 45011; every other error is raised at once.
    """
    waited = 0.0
    for attempt in range(ATTEMPTS):
        try:
            return await _send(client, method, url, params, body)
        except WeChatError as exc:
            wait = _delay(exc, attempt)
            if not exc.retryable or attempt == ATTEMPTS - 1 or waited + wait > MAX_WAIT_S:
                raise
        await sleep(wait)
        waited += wait
    raise AssertionError("unreachable")


# --- access tokens -----------------------------------------------------------------------------


@dataclass
class TokenCache:
    """Access tokens per (API base, AppID), shared by all calls of one run.

    endpoint: "stable_token" (POST, normal mode; the default) or "token" (GET cgi-bin/token,
    which replaces the previous token on every call). clock: seconds, for expiry only.
    """

    endpoint: str = "stable_token"
    clock: Callable[[], float] = time.monotonic
    _tokens: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict, repr=False)
    _pending: dict[tuple[str, str], asyncio.Future[str]] = field(default_factory=dict,
                                                                 repr=False)

    def __post_init__(self) -> None:
        if self.endpoint not in ("stable_token", "token"):
            raise ValueError(f"unknown token endpoint {self.endpoint!r}")

    def cached(self, key: tuple[str, str]) -> str:
        """Return the cached token for key, or "" when there is none or it is near expiry."""
        token, expires_at = self._tokens.get(key, ("", 0.0))
        return token if token and self.clock() < expires_at else ""

    def store(self, key: tuple[str, str], token: str, expires_in: float) -> None:
        """Cache token until expires_in − TOKEN_MARGIN_S from now (half its life if shorter)."""
        life = expires_in - TOKEN_MARGIN_S if expires_in > 2 * TOKEN_MARGIN_S else expires_in / 2
        self._tokens[key] = (token, self.clock() + life)


@dataclass
class WeChatApi:
    """One account's access to the API: where, whose credentials, the shared token cache."""

    client: httpx.AsyncClient
    base: str
    appid: str
    secret: str
    tokens: TokenCache = field(default_factory=TokenCache)
    sleep: Sleep = asyncio.sleep

    async def token(self, stale: str = "") -> str:
        """Return a valid access token; fetch one if none is cached or the cached one is stale.

        Concurrent callers share one fetch, so a burst of 42001 answers refreshes once.
        """
        key = (self.base, self.appid)
        cached = self.tokens.cached(key)
        if cached and cached != stale:
            return cached
        if (pending := self.tokens._pending.get(key)) is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.tokens._pending[key] = future
        try:
            token = await self._fetch_token(force=bool(stale))
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: nobody may be waiting
            raise
        finally:
            del self.tokens._pending[key]
        future.set_result(token)
        return token

    async def _fetch_token(self, *, force: bool) -> str:
        if self.tokens.endpoint == "token":
            params = {"grant_type": "client_credential", "appid": self.appid,
                      "secret": self.secret}
            data = await request(self.client, "GET", self.base + TOKEN_PATH, params=params,
                                 sleep=self.sleep)
        else:
            body = {"grant_type": "client_credential", "appid": self.appid,
                    "secret": self.secret, "force_refresh": force}
            data = await request(self.client, "POST", self.base + STABLE_TOKEN_PATH, body=body,
                                 sleep=self.sleep)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise WeChatError(BAD_RESPONSE, str(data)[:200], "微信接口未返回 access_token")
        try:
            expires_in = float(data.get("expires_in") or 7200)
        except (TypeError, ValueError):
            expires_in = 7200.0
        self.tokens.store((self.base, self.appid), token, expires_in)
        return token

    async def call(self, method: str, path: str,
                   body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the JSON answer of an API call; on 40001/40014/42001 refresh once, retry once."""
        token = await self.token()
        try:
            return await self._call(method, path, token, body)
        except WeChatError as exc:
            if exc.code not in CREDENTIAL_CODES:
                raise
        return await self._call(method, path, await self.token(stale=token), body)

    async def _call(self, method: str, path: str, token: str,
                    body: dict[str, Any] | None) -> dict[str, Any]:
        return await request(self.client, method, self.base + path, sleep=self.sleep,
                             params={"access_token": token}, body=body)


# --- parsing (pure) -----------------------------------------------------------------------------


def _menu_item(raw: dict[str, Any]) -> MenuItem:
    subs = raw.get("sub_button") or []
    if isinstance(subs, dict):  # selfmenu: {"list": [...]}; menu/get: a plain array
        subs = subs.get("list") or []
    news = (raw.get("news_info") or {}).get("list") or []
    return MenuItem(
        name=str(raw.get("name", "")), type=str(raw.get("type", "")),
        url=str(raw.get("url", "")), key=str(raw.get("key", "")),
        value=str(raw.get("value") or raw.get("media_id") or raw.get("article_id") or ""),
        appid=str(raw.get("appid", "")), pagepath=str(raw.get("pagepath", "")),
        article_urls=tuple(str(n["content_url"]) for n in news if n.get("content_url")),
        children=tuple(_menu_item(s) for s in subs if isinstance(s, dict)),
    )


def parse_selfmenu(data: dict[str, Any], fetched_at: datetime) -> Menu:
    """Return the Menu of a get_current_selfmenu_info answer (is_menu_open 0 → is_open False)."""
    buttons = (data.get("selfmenu_info") or {}).get("button") or []
    return Menu(is_open=str(data.get("is_menu_open", "0")) == "1",
                items=tuple(_menu_item(b) for b in buttons if isinstance(b, dict)),
                source="wechat_api.selfmenu", fetched_at=fetched_at)


def parse_menu_get(data: dict[str, Any], fetched_at: datetime) -> Menu:
    """Return the default (not conditional) Menu of a menu/get answer, which means it is on."""
    buttons = (data.get("menu") or {}).get("button") or []
    return Menu(is_open=True, items=tuple(_menu_item(b) for b in buttons if isinstance(b, dict)),
                source="wechat_api.menu_get", fetched_at=fetched_at)


def _unix(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), CHINA_TZ)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse_freepublish(data: dict[str, Any]) -> list[Article]:
    """Return one Article per news_item of a freepublish/batchget page (time = update_time)."""
    articles = []
    for item in data.get("item") or []:
        updated = _unix(item.get("update_time"))
        for news in (item.get("content") or {}).get("news_item") or []:
            articles.append(Article(
                title=str(news.get("title", "")), url=str(news.get("url", "")),
                published_at=updated, time_kind="update", source="wechat_api.freepublish",
                author=str(news.get("author", "")), digest=str(news.get("digest", "")),
                status="deleted" if news.get("is_deleted") else "ok",
                read_original_url=str(news.get("content_source_url", "")),
            ))
    return articles


def parse_datacube(data: dict[str, Any], as_of: datetime) -> list[Article]:
    """Return one Article per getarticlesummary row, dated ref_date 23:59:59 (never after as_of)."""
    articles = []
    for row in data.get("list") or []:
        try:
            day = date.fromisoformat(str(row.get("ref_date", "")))
        except ValueError:
            continue
        end_of_day = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=CHINA_TZ)
        articles.append(Article(
            title=str(row.get("title", "")), published_at=min(end_of_day, as_of),
            time_kind="day", source="wechat_api.datacube", comment_id=str(row.get("msgid", "")),
        ))
    return articles


# --- readers -----------------------------------------------------------------------------------


async def read_menu(api: WeChatApi) -> Menu:
    """Return the menu: get_current_selfmenu_info, or menu/get when that fails (not for auth)."""
    try:
        return parse_selfmenu(await api.call("GET", SELFMENU_PATH), datetime.now(CHINA_TZ))
    except WeChatError as first:
        if first.code in _NO_MENU_FALLBACK:
            raise
        try:
            return parse_menu_get(await api.call("GET", MENU_GET_PATH), datetime.now(CHINA_TZ))
        except WeChatError as second:
            message = f"{first.message}；改用 menu/get 也未读到：{second.message}"
            raise WeChatError(first.code, first.errmsg, message) from second


async def read_published(api: WeChatApi, *, max_pages: int = 5,
                         no_content: bool = True) -> list[Article]:
    """Return the published (发布) articles, newest update_time first, at most max_pages pages."""
    articles: list[Article] = []
    offset = 0
    for _ in range(max_pages):
        body = {"offset": offset, "count": PAGE_SIZE, "no_content": int(no_content)}
        data = await api.call("POST", FREEPUBLISH_PATH, body)
        items = data.get("item") or []
        articles.extend(parse_freepublish(data))
        offset += len(items)
        if not items or offset >= int(data.get("total_count") or 0):
            break
    # The order of batchget is not guaranteed (collection.md §1.3).
    return sorted(articles, key=lambda a: a.published_at.timestamp() if a.published_at else 0,
                  reverse=True)


async def read_datacube(api: WeChatApi, as_of: datetime, days: int) -> list[Article]:
    """Return the mass-sent (群发) articles of the `days` days before as_of, one call per day.

    end_date can be at most yesterday and the span at most one day (collection.md §1.7).
    A msgid seen on several days keeps its earliest day.
    """
    last = as_of.astimezone(CHINA_TZ).date() - timedelta(days=1)
    by_msgid: dict[str, Article] = {}
    for back in range(days):
        day = (last - timedelta(days=back)).isoformat()
        data = await api.call("POST", DATACUBE_PATH, {"begin_date": day, "end_date": day})
        for art in parse_datacube(data, as_of):
            by_msgid[art.comment_id or f"{day}/{art.title}"] = art
    return sorted(by_msgid.values(), key=lambda a: a.published_at, reverse=True)


# --- the gatherer ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeChatHarvest:
    """What the API gave for one account: the two article sources and the menu (or why not)."""

    sources: tuple[SourceRead, ...]
    menu: Menu | None
    menu_error: str


async def _attempt(work: Awaitable[T]) -> T | WeChatError:
    try:
        return await work
    except WeChatError as exc:
        return exc


async def gather_wechat(client: httpx.AsyncClient, base: str, appid: str, secret: str,
                        as_of: datetime, *, days: int = 14, tokens: TokenCache | None = None,
                        sleep: Sleep = asyncio.sleep) -> WeChatHarvest:
    """Return the account's published list, datacube summaries and menu; never raise for
    WeChat or network errors (each becomes ok=False / menu_error with a Chinese reason)."""
    fetched_at = datetime.now(CHINA_TZ)
    api = WeChatApi(client, base.rstrip("/"), appid, secret, tokens or TokenCache(), sleep)

    def source(name: str, covers: str, path: str, got: list[Article] | WeChatError) -> SourceRead:
        if isinstance(got, WeChatError):
            return SourceRead(name, False, fetched_at, (covers,), error=got.message,
                              url=api.base + path)
        return SourceRead(name, True, fetched_at, (covers,), tuple(got), url=api.base + path)

    token = await _attempt(api.token())
    if isinstance(token, WeChatError):  # nothing else can work; do not spend more calls
        published: list[Article] | WeChatError = token
        summaries: list[Article] | WeChatError = token
        menu: Menu | WeChatError = token
    else:
        menu, published, summaries = await asyncio.gather(
            _attempt(read_menu(api)), _attempt(read_published(api)),
            _attempt(read_datacube(api, as_of, days)))
    sources = (source("wechat_api.freepublish", "publish", FREEPUBLISH_PATH, published),
               source("wechat_api.datacube", "masssend", DATACUBE_PATH, summaries))
    if isinstance(menu, WeChatError):
        return WeChatHarvest(sources, None, menu.message)
    return WeChatHarvest(sources, menu, "")
