"""A national sandbox world: 454 accounts shaped like the 2024 sample, or as many as asked.

The accounts (data/national_sandbox.yaml, from seed 001): the 52 ministries and 30 provincial
governments of data/sample-2024.csv, then 31 provinces × 12 fields of provincial departments
(372), 454 in all; beyond that the same shapes for city departments. Each account has 40
articles (mass-sent and published, the newest 0-3 days old for most, 10-13 or 15-60 days for
some), a menu of 3 buttons with 2-5 sub-items into its own site, and its linked pages with
the faults of seed 001 六、 at the rates of the data file: dead links, soft 404s, login walls,
mislabelled menu items, stale and batch-updated columns, pages not adapted to phones,
outdated services, hacked pages, personal data; and API failures, feeds, closed comments,
wording errors, links from articles to the site. Every account draws its shape from its own
seeded generator, so account i is the same in a world of 454 and in one of 5,000.

The sites are served on `hosts` loopback addresses (127.0.0.2, 127.0.0.3, ...), the ministries
on the first and each province on one of the others, so per-host politeness applies per site
the way it would; the WeChat API, article pages and feeds stay on 127.0.0.1.

    world = national_world(as_of, accounts=454)
    with run_national(world) as world:
        rows = registry_rows(world)  # for `govmedia accounts import` / `inspect --accounts`
"""

from __future__ import annotations

import copy
import csv
import hashlib
import random
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

from govmedia.sandbox import feeds, mp_pages, sites, wechat_api
from govmedia.sandbox.server import Handler, Request, Response, Route, serve
from govmedia.sandbox.world import SandboxAccount, SandboxArticle, World

SAMPLE_SIZE = 454
_BODY = ("<p>{title}。近日，{owner}认真贯彻落实党中央、国务院决策部署，坚持以人民为中心的发展"
         "思想，围绕群众关心关注的问题，推出一系列务实举措。</p><p>据介绍，相关工作将按照“成熟"
         "一项、推出一项”的原则有序推进，确保政策红利精准直达群众和企业。如有疑问，可拨打12345"
         "政务服务便民热线咨询。</p>")
_SERIOUS = "<p>全系统干部职工以多种形式庆祝中华人名共和国成立77周年。</p>"
_OUTDATED = "<p>近日，某区卫计委组织开展“健康进社区”义诊活动，为居民提供免费健康咨询服务。</p>"
_MENU = (("政务公开", ("zwgk/zcwj/", "zwgk/zcjd/", "zwgk/tzgg/", "zwgk/rsxx/")),
         ("办事服务", ("bsfw/bszn/", "bsfw/bmcx/", "bsfw/yybl/", "bsfw/bgxz/")),
         ("互动交流", ("hdjl/ldxx/", "hdjl/zxft/", "hdjl/yjzj/", "hdjl/cjwd/")))
_FEATURES = ("ts/dtcx/", "ts/jsq/", "ts/zhwd/", "ts/ssp/", "ts/ss/", "ts/zzms/")


@dataclass
class NationalWorld(World):
    """A World whose lookups use indexes: with thousands of accounts a scan per request is
    too slow for the server. Call reindex() after changing accounts or articles."""

    _slugs: dict[str, SandboxAccount] = field(default_factory=dict, repr=False)
    _appids: dict[str, SandboxAccount] = field(default_factory=dict, repr=False)
    _articles: dict[str, tuple[SandboxAccount, SandboxArticle]] = field(default_factory=dict,
                                                                        repr=False)

    def reindex(self) -> None:
        """Rebuild the indexes from the accounts."""
        self._slugs = {a.slug: a for a in self.accounts}
        self._appids = {a.appid: a for a in self.accounts if a.appid}
        self._articles = {art.id: (a, art) for a in self.accounts for art in a.articles}

    def by_appid(self, appid: str) -> SandboxAccount | None:
        return self._appids.get(appid) if appid else None

    def by_slug(self, slug: str) -> SandboxAccount | None:
        return self._slugs.get(slug)

    def article(self, short_id: str) -> tuple[SandboxAccount, SandboxArticle] | None:
        return self._articles.get(short_id)


@cache
def _data() -> dict[str, Any]:
    text = (resources.files("govmedia") / "data" / "national_sandbox.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@cache
def _sample() -> tuple[dict[str, str], ...]:
    text = (resources.files("govmedia") / "data" / "sample-2024.csv").read_text("utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def identities(count: int = SAMPLE_SIZE) -> list[dict[str, str]]:
    """Return count account identities (name, owner, category, province, field), in order:
    the sample's ministries and provincial governments, provincial departments, city ones."""
    data, sample = _data(), _sample()
    out = [r for r in sample if r["category"] in ("ministry", "provincial_gov")]
    known = {(r["province"], r["field"]): r for r in sample if r["category"] == "provincial_dept"}
    for short, full in data["provinces"]:
        for fld, nick, dept, _city_dept in data["fields"]:
            row = known.get((short, fld)) or {
                "name": f"{short}{nick}", "category": "provincial_dept", "province": short,
                "field": fld,
                "owner": f"国家税务总局{full}税务局" if fld == "税务" else f"{full}{dept}"}
            out.append(row)
    for city in data["cities"]:
        for short, full in data["provinces"]:
            for fld, nick, _dept, city_dept in data["fields"]:
                out.append({"name": f"{city}{nick}", "owner": f"{full}{city}市{city_dept}",
                            "category": "provincial_dept", "province": short, "field": fld})
    if count > len(out):
        raise ValueError(f"最多可生成 {len(out)} 个账号")
    return [{k: r[k] for k in ("name", "owner", "category", "province", "field")}
            for r in out[:count]]


def _pick(rng: random.Random, rates: dict[str, float]) -> str | None:
    """Return one of the rated outcomes, or None (the rest of the probability)."""
    draw = rng.random()
    for name, rate in rates.items():
        if draw < rate:
            return str(name)
        draw -= rate
    return None


def _articles(rng: random.Random, i: int, ident: dict[str, str],
              now: datetime) -> list[SandboxArticle]:
    data, rates = _data(), _data()["rates"]
    pool = data["titles"]["common"] + data["titles"].get(ident["category"], [])
    fresh = _pick(rng, rates["freshness"])
    age = {"warning": rng.uniform(10.2, 12.8), "silent": rng.uniform(15.5, 60)}.get(
        fresh, rng.uniform(0.1, 2.9))
    fld, year = ident["field"] or "政务服务", (now - timedelta(days=30)).year
    out = []
    for n in range(data["articles"]):
        title = pool[(i + n) % len(pool)].format(y=year, field=fld)
        if n >= len(pool):
            title = f"{title}（{n // len(pool) + 1}）"
        body = _BODY.format(title=title, owner=ident["owner"])
        if n == 0 and rng.random() < rates["serious_error"]:
            body += _SERIOUS
        if n == 1 and rng.random() < rates["outdated_name"]:
            body += _OUTDATED
        if n < 8 and rng.random() < rates["article_link"] / 8:
            body += '<p>相关阅读：<a href="{site}zwgk/zcjd/">政策解读</a></p>'
        sent = (now - timedelta(days=age)).replace(microsecond=0)
        art_id = hashlib.sha1(f"national-{i}-{n}-{title}".encode()).hexdigest()[:22]
        out.append(SandboxArticle(
            id=art_id, title=title, sent_at=sent,
            via="publish" if rng.random() < 0.3 else "masssend", body=body,
            author=ident["owner"], mid=2650000000 + i * 1000 + n))
        age += rng.uniform(0.4, 3.5)
    return out


def _menu(rng: random.Random, ident: dict[str, str], extra: dict[str, Any]) -> list[dict]:
    rates = _data()["rates"]
    if rng.random() < rates["menu"]["website_only"]:
        return [{"type": "view", "name": "门户网站", "url": "{site}"},
                {"type": "view", "name": "专题专栏", "url": "{site}zt/jydh/"}]
    health = ident["field"] == "卫生健康" and rng.random() < rates["outdated_service"]
    menu, site = [], extra.setdefault("site", {})
    for top, paths in _MENU:
        chosen = list(paths[:rng.randint(2, 4)])
        if health and top == "办事服务" and "bsfw/bmcx/" not in chosen:
            chosen.append("bsfw/bmcx/")
        if top != "政务公开" and rng.random() < rates["menu"]["features"]:
            chosen.append(rng.choice(_FEATURES))
        subs = []
        for path in chosen:
            name = (sites.SECTIONS.get(path) or sites.FEATURES[path])[1]
            subs.append({"type": "view", "name": name.split("（")[0], "url": "{site}" + path})
            faults = [f for f in (_pick(rng, rates["page"]), _pick(rng, rates["mobile"])) if f]
            if health and path == "bsfw/bmcx/":
                faults.append("outdated_service")
            if faults:
                site[path] = faults
        menu.append({"name": top, "sub_button": subs})
    return menu


def _account(i: int, ident: dict[str, str], now: datetime, seed: int) -> SandboxAccount:
    rng = random.Random(f"{seed}:{i}:{ident['name']}:{ident['owner']}")
    rates = _data()["rates"]
    api = _pick(rng, rates["api"]) or "ok"
    extra: dict[str, Any] = {}
    if rng.random() < rates["no_comments"]:
        extra["comments"] = False
    extra["menu"] = _menu(rng, ident, extra)
    acc = SandboxAccount(
        **ident, api="none" if api == "feed_only" else api,
        appid="" if api == "feed_only" else f"wx{i:016d}",
        secret="" if api == "feed_only" else hashlib.md5(f"secret-{i}".encode()).hexdigest(),
        feed=api == "feed_only" or rng.random() < rates["feed"], extra=extra)
    acc.articles = _articles(rng, i, ident, now)
    return acc


def national_world(now: datetime, accounts: int = SAMPLE_SIZE, seed: int = 1) -> NationalWorld:
    """Return a national world of `accounts` accounts at `now` (see the module docstring).

    Raises ValueError (Chinese message) when more accounts are asked than can be named.
    """
    world = NationalWorld(now=now, accounts=[_account(i, ident, now, seed) for i, ident
                                             in enumerate(identities(accounts), start=1)])
    world.reindex()
    return world


def place_sites(world: NationalWorld, site_bases: list[str]) -> None:
    """Point each account's menu and article links at its site on one of site_bases: the
    ministries on the first, each province on one of the others."""
    provinces = [p for p, _full in _data()["provinces"]]
    for acc in world.accounts:
        k = 0 if acc.category == "ministry" or len(site_bases) == 1 else (
            1 + provinces.index(acc.province) % (len(site_bases) - 1)
            if acc.province in provinces else 1)
        root = f"{site_bases[k]}/sites/{acc.slug}/"
        acc.extra["menu"] = _resolve(copy.deepcopy(acc.extra["menu"]), root)
        for art in acc.articles:
            art.body = art.body.replace("{site}", root)


def _resolve(buttons: list[dict], root: str) -> list[dict]:
    for b in buttons:
        if isinstance(b.get("url"), str):
            b["url"] = b["url"].replace("{site}", root)
        _resolve(b.get("sub_button") or [], root)
    return buttons


def _slowed(route: Route, seconds: float) -> Route:
    inner: Handler = route.handler

    def slow(req: Request) -> Response:
        time.sleep(seconds)
        return inner(req)

    return replace(route, handler=slow)


@contextmanager
def run_national(world: NationalWorld, *, hosts: int = 32,
                 latency: float = 0.0) -> Iterator[NationalWorld]:
    """Serve the world: API, article pages and feeds on 127.0.0.1, the sites on `hosts`
    loopback addresses from 127.0.0.2 (each on a free port), until the context ends."""
    if not 1 <= hosts <= 250:
        raise ValueError("hosts 须在 1 到 250 之间")
    site_routes = sites.routes(world)
    main = [*wechat_api.routes(world), *mp_pages.routes(world), *feeds.routes(world),
            *site_routes]
    if latency > 0:
        main = [_slowed(r, latency) for r in main]
        site_routes = [_slowed(r, latency) for r in site_routes]
    with ExitStack() as stack:
        world.base_url = stack.enter_context(serve(main))
        bases = [stack.enter_context(serve(site_routes, host=f"127.0.0.{k + 2}"))
                 for k in range(hosts)]
        place_sites(world, bases)
        yield world
