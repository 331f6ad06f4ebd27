"""The sandbox's WeChat Official Account API: tokens, menus, published list, datacube.

Answers use the real JSON shapes and the real error form {"errcode": N, "errmsg": "... rid: ..."}
(collection.md §1, §7). Behaviour per account comes from SandboxAccount.api (ok, invalid_appid,
invalid_secret, ip_not_whitelisted, unauthorized, quota), SandboxAccount.datacube, and these
keys of SandboxAccount.extra:

- menu: a list of buttons {name, type, url | key | ..., sub_button: [...]} (default: a
  realistic 3-button menu whose links point at {base_url}/sites/<slug>/...); "{site}" in a
  custom button's url stands for that site root, e.g. "{site}hdjl/ldxx/";
- menu_open: false: the menu is switched off (is_menu_open 0);
- menu_via: "api": the menu was made through the API, so menu/get returns it too (default
  "web": menu/get answers 46003);
- publish_order: "oldest_first": freepublish lists oldest first (the order is not guaranteed);
- fail_first: {path, times (default 1), status | errcode [errmsg] | drop: true, delay: s} or a
  list of them: the first `times` calls of that path for this account fail (retry tests).

Every call's path is appended to world.calls (under world.lock).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler
from typing import Any

from govmedia.artifacts import CHINA_TZ
from govmedia.sandbox.server import Request, Response, Route, json_response, route
from govmedia.sandbox.world import SandboxAccount, SandboxArticle, World

_ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40097: "invalid args",
    40125: "invalid appsecret",
    41001: "access_token missing",
    42001: "access_token expired",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit must slower retry next minute",
    46003: "menu no exist",
    47001: "data format error",
    48001: "api unauthorized",
    61500: "date format error",
    61501: "date range error",
}

_DEFAULT_MENU = (
    ("政务公开", (("政策文件", "zwgk/zcwj/"), ("政策解读", "zwgk/zcjd/"),
                  ("通知公告", "zwgk/tzgg/"), ("人事信息", "zwgk/rsxx/"))),
    ("办事服务", (("办事指南", "bsfw/bszn/"), ("便民查询", "bsfw/bmcx/"),
                  ("预约办理", "bsfw/yybl/"), ("表格下载", "bsfw/bgxz/"))),
    ("互动交流", (("领导信箱", "hdjl/ldxx/"), ("在线访谈", "hdjl/zxft/"),
                  ("意见征集", "hdjl/yjzj/"), ("常见问答", "hdjl/cjwd/"))),
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _error(code: int, errmsg: str = "") -> Response:
    rid = f"{secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"
    return json_response({"errcode": code, "errmsg": f"{errmsg or _ERRMSG.get(code, 'error')} "
                                                      f"rid: {rid}"})


def _drop(handler: BaseHTTPRequestHandler) -> None:
    """Close the connection without an answer (the client sees a protocol error)."""


def default_menu(world: World, acc: SandboxAccount) -> list[dict[str, Any]]:
    """Return the account's default menu: 3 top buttons of 2–4 view buttons into its site."""
    menu = []
    for i, (top, subs) in enumerate(_DEFAULT_MENU):
        count = 2 + int(acc.slug[i], 16) % 3
        menu.append({"name": top, "sub_button": [
            {"type": "view", "name": name, "url": f"{world.base_url}/sites/{acc.slug}/{path}"}
            for name, path in subs[:count]]})
    return menu


def _expand(button: dict[str, Any], site: str) -> dict[str, Any]:
    """Return a custom menu button with "{site}" in its url replaced by the account's site root."""
    out = dict(button)
    if isinstance(out.get("url"), str):
        out["url"] = out["url"].replace("{site}", site)
    if button.get("sub_button"):
        out["sub_button"] = [_expand(s, site) for s in button["sub_button"]]
    return out


def _selfmenu_button(button: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in button.items() if k != "sub_button"}
    if button.get("sub_button"):
        out["sub_button"] = {"list": [_selfmenu_button(s) for s in button["sub_button"]]}
    return out


def _menu_get_button(button: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in button.items() if k != "sub_button"}
    out["sub_button"] = [_menu_get_button(s) for s in button.get("sub_button") or []]
    return out


def _news_item(world: World, art: SandboxArticle, with_content: bool) -> dict[str, Any]:
    text = re.sub(r"<[^>]+>", "", art.body)
    thumb = hashlib.md5(art.id.encode()).hexdigest()[:12].upper()
    return {
        "title": art.title, "author": art.author, "digest": text[:54],
        "content": art.body if with_content else "", "content_source_url": "",
        "thumb_media_id": f"THUMB_{thumb}",
        "thumb_url": f"http://mmbiz.qpic.cn/mmbiz_jpg/{thumb}/0?wx_fmt=jpeg",
        "show_cover_pic": 0, "need_open_comment": 1, "only_fans_can_comment": 0,
        "url": world.article_url(art), "is_deleted": art.deleted,
    }


def _summary_row(day: str, art: SandboxArticle) -> dict[str, Any]:
    h = int(hashlib.md5(art.id.encode()).hexdigest()[:8], 16)
    readers = 120 + h % 4800
    return {
        "ref_date": day, "user_source": 0, "msgid": f"{art.mid}_{art.idx}", "title": art.title,
        "int_page_read_user": readers, "int_page_read_count": readers + readers // 6,
        "ori_page_read_user": h % 40, "ori_page_read_count": h % 40 + h % 7,
        "share_user": 3 + h % 90, "share_count": 3 + h % 90 + h % 11,
        "add_to_fav_user": h % 25, "add_to_fav_count": h % 25,
    }


@dataclass
class _Api:
    world: World
    issued: set[str] = field(default_factory=set)  # every token ever issued (42001 vs 40001)
    faults_used: dict[tuple[str, int], int] = field(default_factory=dict)
    serial: int = 0

    # --- plumbing ---

    def _record(self, req: Request) -> None:
        with self.world.lock:
            self.world.calls.append(req.path)

    def _fault(self, acc: SandboxAccount, path: str) -> Response | None:
        specs = acc.extra.get("fail_first") or []
        for n, spec in enumerate([specs] if isinstance(specs, dict) else specs):
            if spec.get("path") != path:
                continue
            with self.world.lock:
                used = self.faults_used.get((acc.slug, n), 0)
                if used >= int(spec.get("times", 1)):
                    continue
                self.faults_used[(acc.slug, n)] = used + 1
            if spec.get("delay"):
                time.sleep(float(spec["delay"]))  # a slow server: the client's timeout fires
                continue
            if spec.get("drop"):
                return Response(raw=_drop)
            if "status" in spec:
                body = "<html><body>Service Unavailable</body></html>"
                return Response(int(spec["status"]), body)
            return _error(int(spec["errcode"]), str(spec.get("errmsg", "")))
        return None

    def _account(self, req: Request) -> SandboxAccount | Response:
        """Return the account the call's token belongs to, or the answer that refuses the call."""
        self._record(req)
        token = req.query.get("access_token", "")
        if not token:
            return _error(41001)
        with self.world.lock:
            appid = self.world.tokens.get(token)
        if appid is None:
            return _error(42001 if token in self.issued else 40001)
        acc = self.world.by_appid(appid)
        if acc is None:
            return _error(40001)
        return self._fault(acc, req.path) or acc

    # --- tokens ---

    def _issue(self, path: str, appid: str, secret: str, *, reuse: bool) -> Response:
        acc = self.world.by_appid(appid)
        if acc is None or acc.api == "invalid_appid":
            return _error(40013)
        if (fault := self._fault(acc, path)) is not None:
            return fault
        if secret != acc.secret or acc.api == "invalid_secret":
            return _error(40125)
        if acc.api == "ip_not_whitelisted":
            return _error(40164, "invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist")
        with self.world.lock:
            live = [t for t, a in self.world.tokens.items() if a == appid]
            if reuse and live:
                token = live[-1]
            else:
                self.serial += 1
                token = f"SANDBOX_{appid[-6:]}_{self.serial:06d}_{secrets.token_hex(16)}"
                self.world.tokens[token] = appid
                self.issued.add(token)
        return json_response({"access_token": token, "expires_in": 7200})

    def token(self, req: Request) -> Response:
        self._record(req)
        if req.query.get("grant_type") != "client_credential":
            return _error(40002)
        q = req.query
        return self._issue(req.path, q.get("appid", ""), q.get("secret", ""), reuse=False)

    def stable_token(self, req: Request) -> Response:
        self._record(req)
        body = req.json()
        if not isinstance(body, dict):
            return _error(47001)
        if body.get("grant_type") != "client_credential":
            return _error(40002)
        return self._issue(req.path, str(body.get("appid", "")), str(body.get("secret", "")),
                           reuse=not body.get("force_refresh"))

    # --- menus ---

    def _menu(self, acc: SandboxAccount) -> list[dict[str, Any]]:
        if not acc.extra.get("menu"):
            return default_menu(self.world, acc)
        return [_expand(b, f"{self.world.base_url}/sites/{acc.slug}/") for b in acc.extra["menu"]]

    def selfmenu(self, req: Request) -> Response:
        acc = self._account(req)
        if isinstance(acc, Response):
            return acc
        if acc.extra.get("menu_open", True) is False:
            return json_response({"is_menu_open": 0, "selfmenu_info": {"button": []}})
        buttons = [_selfmenu_button(b) for b in self._menu(acc)]
        return json_response({"is_menu_open": 1, "selfmenu_info": {"button": buttons}})

    def menu_get(self, req: Request) -> Response:
        acc = self._account(req)
        if isinstance(acc, Response):
            return acc
        if acc.extra.get("menu_via", "web") != "api" or acc.extra.get("menu_open") is False:
            return _error(46003)
        return json_response({"menu": {"button": [_menu_get_button(b) for b in self._menu(acc)]}})

    # --- articles ---

    def freepublish(self, req: Request) -> Response:
        acc = self._account(req)
        if isinstance(acc, Response):
            return acc
        if acc.api == "unauthorized":
            return _error(48001)
        if acc.api == "quota":
            return _error(45009)
        body = req.json()
        try:
            offset, count = int(body["offset"]), int(body["count"])
            no_content = int(body.get("no_content", 0))
        except (TypeError, KeyError, ValueError):
            return _error(40097)
        if offset < 0 or not 1 <= count <= 20:
            return _error(40097)
        groups: dict[int, list[SandboxArticle]] = {}
        for art in acc.articles:
            if art.via == "publish":
                groups.setdefault(art.mid, []).append(art)
        items = []
        for mid, arts in groups.items():
            arts.sort(key=lambda a: a.idx)
            updated = max((a.updated_at or a.sent_at) for a in arts)
            items.append({
                "article_id": f"ARTICLE_{mid}",
                "update_time": int(updated.timestamp()),
                "content": {"news_item": [_news_item(self.world, a, not no_content)
                                          for a in arts]},
            })
        items.sort(key=lambda i: i["update_time"],
                   reverse=acc.extra.get("publish_order") != "oldest_first")
        page = items[offset:offset + count]
        return json_response({"total_count": len(items), "item_count": len(page), "item": page})

    def datacube(self, req: Request) -> Response:
        acc = self._account(req)
        if isinstance(acc, Response):
            return acc
        if acc.api == "unauthorized" or acc.datacube == "unauthorized":
            return _error(48001)
        body = req.json() if isinstance(req.json(), dict) else {}
        begin, end = str(body.get("begin_date", "")), str(body.get("end_date", ""))
        if not (_DATE.match(begin) and _DATE.match(end)):
            return _error(61500)
        first, last = date.fromisoformat(begin), date.fromisoformat(end)
        yesterday = self.world.now.astimezone(CHINA_TZ).date().toordinal() - 1
        # getarticlesummary: a span of one day, ending yesterday at the latest.
        if first != last or last.toordinal() > yesterday:
            return _error(61501)
        rows = [_summary_row(begin, a) for a in acc.articles
                if a.via == "masssend" and a.sent_at.astimezone(CHINA_TZ).date() == first]
        return json_response({"list": rows})


def routes(world: World) -> list[Route]:
    """Return the routes of the emulated WeChat API for the world's accounts."""
    api = _Api(world)
    return [
        route("GET", r"/cgi-bin/token", api.token),
        route("POST", r"/cgi-bin/stable_token", api.stable_token),
        route("GET", r"/cgi-bin/get_current_selfmenu_info", api.selfmenu),
        route("GET", r"/cgi-bin/menu/get", api.menu_get),
        route("POST", r"/cgi-bin/freepublish/batchget", api.freepublish),
        route("POST", r"/datacube/getarticlesummary", api.datacube),
    ]
