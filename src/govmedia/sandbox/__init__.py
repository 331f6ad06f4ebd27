"""The sandbox world: a local stand-in for WeChat's API, article pages, feeds and government
sites on 127.0.0.1, driven by a scenario file. The demo and the end-to-end tests run on it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from govmedia.sandbox import feeds, mp_pages, sites, wechat_api
from govmedia.sandbox.server import Handler, Request, Response, Route, serve
from govmedia.sandbox.world import World, load_world

__all__ = ["World", "load_world", "run_world", "registry_rows"]


def _slowed(handler: Handler, seconds: float) -> Handler:
    def slow(req: Request) -> Response:
        time.sleep(seconds)
        return handler(req)
    return slow


@contextmanager
def run_world(world: World, *, latency: float = 0.0) -> Iterator[World]:
    """Serve the world on 127.0.0.1 (any free port) until the context ends.

    latency: seconds every answer waits, like a slow network (tests of interrupted runs).
    """
    routes: list[Route] = [*wechat_api.routes(world), *mp_pages.routes(world),
                           *feeds.routes(world), *sites.routes(world)]
    if latency > 0:
        routes = [replace(r, handler=_slowed(r.handler, latency)) for r in routes]
    with serve(routes) as base_url:
        world.base_url = base_url
        yield world


def registry_rows(world: World) -> list[dict[str, str]]:
    """Return the world's accounts as registry rows (the columns of `accounts import`)."""
    rows = []
    for acc in world.accounts:
        rows.append({
            "name": acc.name, "owner": acc.owner, "category": acc.category,
            "province": acc.province, "field": acc.field, "platform": "wechat",
            "wechat_appid": acc.appid, "wechat_secret": acc.secret,
            "feed_url": world.feed_url(acc), "website": "",
        })
    return rows
