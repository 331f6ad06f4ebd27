"""The sandbox world: accounts, their articles and their behaviour, loaded from a scenario file.

Times in a scenario are relative ("days_ago") to the world's `now`, which the demo and the
tests set to the inspection time, so the same scenario gives the same verdicts on any day.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

API_MODES = ("ok", "invalid_appid", "invalid_secret", "ip_not_whitelisted", "unauthorized",
             "quota", "none")


@dataclass
class SandboxArticle:
    id: str  # the short link id: /s/<id>
    title: str
    sent_at: datetime
    via: str  # publish (发布, seen by freepublish) | masssend (群发, seen by datacube)
    body: str  # HTML of the body
    original: bool = True
    author: str = ""
    updated_at: datetime | None = None  # API update_time; defaults to sent_at
    deleted: bool = False
    mid: int = 0
    idx: int = 1


@dataclass
class SandboxAccount:
    name: str
    owner: str
    category: str
    province: str = ""
    field: str = ""
    appid: str = ""
    secret: str = ""
    api: str = "ok"  # one of API_MODES; "none" = no credentials registered
    datacube: str = "ok"  # ok | unauthorized
    feed: bool = False
    # dataclasses.field: the attribute `field` above shadows the name in this class body.
    articles: list[SandboxArticle] = dataclasses.field(default_factory=list)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)  # later issues: menus, sites

    @property
    def slug(self) -> str:
        return hashlib.sha1(f"{self.name}|{self.owner}".encode()).hexdigest()[:10]


@dataclass
class World:
    now: datetime
    accounts: list[SandboxAccount]
    base_url: str = ""  # set once the server is listening
    tokens: dict[str, str] = field(default_factory=dict)  # access_token -> appid
    calls: list[str] = field(default_factory=list)  # cgi paths called, for tests
    lock: threading.Lock = field(default_factory=threading.Lock)

    def by_appid(self, appid: str) -> SandboxAccount | None:
        return next((a for a in self.accounts if a.appid and a.appid == appid), None)

    def by_slug(self, slug: str) -> SandboxAccount | None:
        return next((a for a in self.accounts if a.slug == slug), None)

    def article(self, short_id: str) -> tuple[SandboxAccount, SandboxArticle] | None:
        for acc in self.accounts:
            for art in acc.articles:
                if art.id == short_id:
                    return acc, art
        return None

    def article_url(self, art: SandboxArticle) -> str:
        return f"{self.base_url}/s/{art.id}"

    def feed_url(self, acc: SandboxAccount) -> str:
        return f"{self.base_url}/feeds/{acc.slug}.xml" if acc.feed else ""

    def expire_tokens(self) -> None:
        """Invalidate every issued token (the next API call answers 42001)."""
        with self.lock:
            self.tokens.clear()


def _article(acc_index: int, n: int, raw: dict[str, Any], now: datetime) -> SandboxArticle:
    sent = now - timedelta(days=float(raw["days_ago"]))
    updated = None
    if "updated_days_ago" in raw:
        updated = now - timedelta(days=float(raw["updated_days_ago"]))
    short = hashlib.sha1(f"{acc_index}-{n}-{raw['title']}".encode()).hexdigest()[:22]
    return SandboxArticle(
        id=short, title=raw["title"], sent_at=sent.replace(microsecond=0),
        via=raw.get("via", "masssend"), body=raw.get("body", f"<p>{raw['title']}</p>"),
        original=bool(raw.get("original", True)), author=raw.get("author", ""),
        updated_at=updated, deleted=bool(raw.get("deleted", False)),
        mid=2650000000 + acc_index * 1000 + n, idx=int(raw.get("idx", 1)),
    )


def load_world(now: datetime, scenario: str | Path = "demo") -> World:
    """Return the world described by a scenario (a built-in name or a YAML path) at `now`.

    Raises ValueError with a Chinese message when the scenario cannot be read or is malformed.
    """
    path = Path(str(scenario))
    try:
        if path.suffix in (".yaml", ".yml"):
            text = path.read_text(encoding="utf-8")
        else:
            text = (resources.files("govmedia.sandbox") / "scenarios" / f"{scenario}.yaml"
                    ).read_text(encoding="utf-8")
        return _build(yaml.safe_load(text), now)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"无法读取沙箱场景 {scenario}（{getattr(exc, 'strerror', '') or exc}）"
                         ) from None
    except KeyError as exc:
        raise ValueError(f"沙箱场景 {scenario} 格式有误：缺少 {exc}") from None
    except (yaml.YAMLError, TypeError, AttributeError) as exc:
        raise ValueError(f"沙箱场景 {scenario} 格式有误：{exc}") from None


def _build(data: dict[str, Any], now: datetime) -> World:
    accounts = []
    for i, raw in enumerate(data["accounts"], start=1):
        api = raw.get("api", "ok")
        if api not in API_MODES:
            raise ValueError(f"沙箱场景账号 {raw['name']}：未知的 api 模式 {api!r}")
        has_creds = api != "none"
        acc = SandboxAccount(
            name=raw["name"], owner=raw["owner"], category=raw["category"],
            province=raw.get("province", ""), field=raw.get("field", ""),
            appid=f"wx{i:016d}" if has_creds else "",
            secret=hashlib.md5(f"secret-{i}".encode()).hexdigest() if has_creds else "",
            api=api, datacube=raw.get("datacube", "ok"), feed=bool(raw.get("feed", False)),
            extra={k: v for k, v in raw.items() if k not in _KNOWN_KEYS},
        )
        acc.articles = [_article(i, n, a, now) for n, a in enumerate(raw.get("articles", []))]
        accounts.append(acc)
    return World(now=now, accounts=accounts)


_KNOWN_KEYS = {"name", "owner", "category", "province", "field", "api", "datacube", "feed",
               "articles"}
