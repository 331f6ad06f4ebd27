"""Phone rendering: open linked pages in a real Chromium as WeChat on a phone and measure them.

One browser per run (Playwright driving Debian's chromium-headless-shell or Chromium, or the one the
`browser` setting names, or Playwright's own) with one browser context (a phone: WeChat user agent,
390×844 at device scale 3, touch), at most `concurrency` pages at once, reused from page to page.
One context for every site, not one per site: on a run over hundreds of sites this halves Chromium's
CPU time (measured on the national bench's pages) and bounds its memory. Fonts and media are blocked
(the measurements do not need them); each page has a time limit for loading, and a page that never
finishes loading is measured as it stands. Dialogs are dismissed and recorded, a crashed tab is
reported, and the browser is always closed.

    async with PhoneBrowser(settings, shots_dir=path) as browser:
        snaps = await browser.measure_many(urls)   # tuple[MobileSnapshot, ...], input order

measure_many renders a page once per browser (one run): a page linked by several accounts (a
province's shared portal, the 12345 hotline) is measured the first time and its snapshot reused,
as the downloader reuses its fetch; the snapshots of at most RENDERS_KEPT pages are kept.

Without a browser every snapshot says error="no_browser" with the reason, and the mobile
checks report 未能检查. The measurements themselves run in the page (data/mobile_probe.js).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from govmedia.artifacts import CHINA_TZ, MobileSnapshot, PageSnapshot
from govmedia.checks.mobile import problems
from govmedia.collect.http import WECHAT_UA
from govmedia.settings import Settings

DEBIAN_CHROMIUM = "/usr/bin/chromium"
# Debian's chromium-headless-shell: the same Blink without the browser's UI layer. Preferred
# when installed: on 263 national-sandbox pages it gave the same verdicts as the full browser
# with about 40 % less CPU per page (its browser process does about half the work).
DEBIAN_HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
PHONE_HEIGHT = 844
# Drawn on the page after measuring, for the screenshot only: a red line at the screen's edge.
_MARK_EDGE = """(x) => { const d = document.createElement('div');
  d.style.cssText = `position:absolute;top:0;left:${x}px;width:0;z-index:2147483647;` +
    `height:${document.documentElement.scrollHeight}px;border-left:3px dashed #e00;` +
    `pointer-events:none`;
  d.title = '手机屏幕右边缘'; document.body.appendChild(d); }"""
SHOT_SCREENS, SHOT_MAX_WIDTH = 3, 1600  # screenshot bounds (CSS px)
PHONE = {"viewport": {"width": 390, "height": PHONE_HEIGHT},
         "screen": {"width": 390, "height": PHONE_HEIGHT},
         "device_scale_factor": 3, "is_mobile": True, "has_touch": True,
         "user_agent": WECHAT_UA, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
         "service_workers": "block", "accept_downloads": False}
# A closed network: nothing but the pages asked for (no updates, telemetry, sync, safe browsing).
LAUNCH_ARGS = [
    "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
    "--disable-extensions", "--disable-sync", "--no-first-run", "--no-default-browser-check",
    "--disable-breakpad", "--disable-domain-reliability", "--metrics-recording-only",
    "--disable-client-side-phishing-detection", "--no-pings", "--mute-audio", "--disable-gpu",
    "--disable-dev-shm-usage", "--hide-scrollbars",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,"
    "CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions",
]
BLOCKED = frozenset({"font", "media", "websocket", "eventsource", "manifest", "texttrack"})
# Playwright's driver keeps what a tab and a context loaded until they close: a tab is closed
# after PAGE_USES pages and the context is replaced after CONTEXT_PAGES, so that its memory
# stays flat on runs of any length.
PAGE_USES, CONTEXT_PAGES = 40, 400
RENDERS_KEPT = 5_000  # snapshots kept for reuse (least recently used dropped)
OVERFLOW_TOLERANCE = 2  # CSS px a page may reach past the window before it counts as too wide
_PROBE = files("govmedia").joinpath("data/mobile_probe.js").read_text(encoding="utf-8")


def run_shots_dir(data_dir: str | Path, run_id: int | str) -> Path:
    """Return the screenshot folder of a run, beside its WARC file: <data_dir>/runs/<id>/shots."""
    return Path(data_dir) / "runs" / str(run_id) / "shots"


def mobile_urls(pages: Iterable[PageSnapshot]) -> list[str]:
    """Return the URLs worth rendering: pages that opened as HTML, each final URL once."""
    out: dict[str, None] = {}
    for p in pages:
        if p.ok and (p.content_type in ("", "text/html", "application/xhtml+xml")):
            out.setdefault(p.final_url or p.url, None)
    return list(out)


def find_chromium(setting: str = "") -> tuple[str | None, str]:
    """Return (executable, "") or (None, reason): the setting, Debian's headless shell, Debian's
    Chromium (the caller then tries Playwright's own)."""
    if setting:
        if Path(setting).is_file() and os.access(setting, os.X_OK):
            return setting, ""
        return None, f"设置的浏览器不存在或不可执行：{setting}（GOVMEDIA_CHROMIUM）"
    for exe in (DEBIAN_HEADLESS_SHELL, DEBIAN_CHROMIUM):
        if Path(exe).is_file() and os.access(exe, os.X_OK):
            return exe, ""
    return None, ("未找到 Chromium 浏览器（可安装 chromium-headless-shell 或 chromium，"
                  "或用 GOVMEDIA_CHROMIUM 指定）")


class PhoneBrowser:
    """A phone-sized Chromium for one run; see the module docstring."""

    def __init__(self, settings: Settings, *, shots_dir: str | Path | None = None,
                 screenshots: str = "problems", concurrency: int = 2,
                 page_timeout: float | None = None) -> None:
        if screenshots not in ("problems", "all", "none"):
            raise ValueError(f"bad screenshots mode {screenshots!r}")
        self.settings = settings
        self.shots_dir = Path(shots_dir) if shots_dir else settings.data_path / "shots"
        self.screenshots = screenshots
        self.page_timeout = page_timeout or min(settings.http_timeout, 15.0)
        self.unavailable = ""  # why there is no browser ("" when there is one)
        self.version = ""
        self._limit = asyncio.Semaphore(max(1, concurrency))
        self._idle_cap = max(1, concurrency)
        self._pw: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._idle: list[Any] = []  # open pages not in use
        self._dialogs: dict[Any, list[str]] = {}
        self._crashed: set[Any] = set()
        self._uses: dict[Any, int] = {}  # pages opened on each open page
        self._opened = 0  # pages opened in the current context
        self._lock = asyncio.Lock()
        self._renders: OrderedDict[str, asyncio.Future[MobileSnapshot]] = OrderedDict()

    async def __aenter__(self) -> PhoneBrowser:
        exe, reason = find_chromium(self.settings.browser)
        try:
            from playwright.async_api import async_playwright
        except ImportError:
            self.unavailable = "未安装 Playwright（pip install playwright）"
            return self
        try:
            self._pw = await async_playwright().start()
            if exe is None and not self.settings.browser:
                own = Path(self._pw.chromium.executable_path)
                exe, reason = (str(own), "") if own.is_file() else (None, reason)
            if exe is None:
                self.unavailable = reason
                await self.close()
                return self
            self._browser = await self._pw.chromium.launch(
                executable_path=exe, args=LAUNCH_ARGS, timeout=30_000)
            self.version = self._browser.version
            self._context = await self._new_context()
        except Exception as exc:  # a browser that cannot start: not checked, never a crash
            self.unavailable = f"浏览器启动失败：{str(exc).splitlines()[0][:200]}"
            await self.close()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the pages, the browser and the Playwright driver (safe to call twice)."""
        for fut in self._renders.values():
            fut.cancel()
        self._renders.clear()
        browser, pw, self._browser, self._pw = self._browser, self._pw, None, None
        self._context = None
        self._idle.clear()
        if browser is not None:
            try:
                await asyncio.wait_for(browser.close(), 20)
            except Exception:  # noqa: BLE001 - closing must go on to stop the driver
                pass
        if pw is not None:
            await pw.stop()

    async def measure_many(self, urls: Sequence[str]) -> tuple[MobileSnapshot, ...]:
        """Return one snapshot per URL (in order), rendering each distinct URL once per browser
        (a snapshot of a tab that crashed is not reused)."""
        unique = list(dict.fromkeys(urls))
        snaps = await asyncio.gather(*(self._rendered(u) for u in unique))
        by_url = dict(zip(unique, snaps, strict=True))
        return tuple(by_url[u] for u in urls)

    async def _rendered(self, url: str) -> MobileSnapshot:
        """Return the snapshot of url, rendered now or earlier in this browser's life."""
        if self._browser is None:
            return await self.measure(url)
        fut = self._renders.get(url)
        if fut is None:
            fut = self._renders[url] = asyncio.ensure_future(self._measure(url))
            fut.add_done_callback(lambda f, u=url: self._forget_crash(u, f))
            while len(self._renders) > RENDERS_KEPT:
                self._renders.popitem(last=False)
        else:
            self._renders.move_to_end(url)
        snap, _ours = await asyncio.shield(fut)
        return snap

    def _forget_crash(self, url: str, fut: asyncio.Future[tuple[MobileSnapshot, bool]]) -> None:
        """Drop a render that failed on our side (a tab that would not open or crashed, a
        cancelled render): the page is rendered again when asked again."""
        if fut.cancelled() or fut.exception() is not None or fut.result()[1]:
            if self._renders.get(url) is fut:
                del self._renders[url]

    async def measure(self, url: str) -> MobileSnapshot:
        """Return the phone measurements of one page (never raises for page problems)."""
        snap, _ours = await self._measure(url)
        return snap

    async def _measure(self, url: str) -> tuple[MobileSnapshot, bool]:
        """Return the snapshot of url and whether it failed on our side (no tab, a crash)."""
        if self._browser is None:
            return MobileSnapshot(url, error="no_browser",
                                  error_detail=self.unavailable or "浏览器未启动"), True
        async with self._limit:
            started = time.monotonic()
            try:
                page = await self._take()
            except Exception as exc:  # noqa: BLE001 - a browser that lost a host is one page's error
                return MobileSnapshot(url, error="navigation", error_detail=_short(exc),
                                      fetched_at=datetime.now(CHINA_TZ)), True
            keep = False
            try:
                snap = await asyncio.wait_for(self._measure_on(page, url),
                                              self.page_timeout * 2 + 10)
                keep = snap.error not in ("crash", "timeout") and page not in self._crashed
            except TimeoutError:
                snap = MobileSnapshot(url, error="timeout",
                                      error_detail=f"页面在{self.page_timeout:g}秒内未能完成渲染")
            except Exception as exc:  # noqa: BLE001 - a broken tab must not stop the run
                kind = "crash" if page in self._crashed else "navigation"
                snap = MobileSnapshot(url, error=kind, error_detail=_short(exc))
            snap = replace(snap, fetched_at=datetime.now(CHINA_TZ),
                           elapsed=round(time.monotonic() - started, 3))
            await self._give_back(page, keep)
            return snap, snap.error == "crash"

    async def _measure_on(self, page: Any, url: str) -> MobileSnapshot:
        from playwright.async_api import Error
        from playwright.async_api import TimeoutError as PwTimeout

        dialogs = self._dialogs[page] = []
        ms = self.page_timeout * 1000
        deadline = time.monotonic() + self.page_timeout
        try:
            resp = await page.goto(url, wait_until="domcontentloaded", timeout=ms)
        except PwTimeout:
            return MobileSnapshot(url, error="timeout",
                                  error_detail=f"页面在{self.page_timeout:g}秒内未能打开")
        except Error as exc:
            kind = "crash" if page in self._crashed else "navigation"
            return MobileSnapshot(url, error=kind, error_detail=_short(exc))
        load_timeout = False
        try:
            await page.wait_for_load_state("load", timeout=max(1.0, deadline - time.monotonic())
                                           * 1000)
        except PwTimeout:
            load_timeout = True
        data = await page.evaluate(_PROBE, {"tolerance": OVERFLOW_TOLERANCE})
        snap = MobileSnapshot(
            url, final_url=page.url, status=resp.status if resp else None,
            load_timeout=load_timeout, dialogs=tuple(dialogs), viewport=data["viewport"],
            inner_width=int(data["innerWidth"]), outer_width=int(data["outerWidth"]),
            client_width=int(data["clientWidth"]), scroll_width=int(data["scrollWidth"]),
            scale=round(float(data["scale"]), 3), wide_elements=tuple(data["wide"]),
            text_chars=int(data["textChars"]), small_chars=int(data["smallChars"]),
            small_samples=tuple(data["smallSamples"]), tap_targets=int(data["tapTargets"]),
            tap_failing=int(data["tapFailing"]), tap_samples=tuple(data["tapSamples"]))
        if self.screenshots == "all" or (self.screenshots == "problems" and problems(snap)):
            path = self.shots_dir / f"{hashlib.sha1(url.encode()).hexdigest()[:16]}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            # Three screens down and the whole width: a too-wide table further down the page
            # is in the evidence, at a bounded image size.
            edge = round(snap.outer_width / (snap.scale or 1))  # the screen's edge, CSS px
            if max(snap.scroll_width, snap.inner_width) > edge:  # content past it: mark it
                await page.evaluate(_MARK_EDGE, edge)
            height = await page.evaluate("document.documentElement.scrollHeight")
            clip = {"x": 0, "y": 0, "width": min(max(snap.scroll_width, snap.inner_width),
                                                  SHOT_MAX_WIDTH),
                    "height": min(max(int(height or 0), 1), SHOT_SCREENS * PHONE_HEIGHT)}
            await page.screenshot(path=str(path), type="jpeg", quality=70, scale="css",
                                  full_page=True, clip=clip,
                                  timeout=max(1.0, deadline - time.monotonic() + 5) * 1000)
            snap = replace(snap, dialogs=tuple(dialogs), screenshot=str(path))
        return snap

    async def _new_context(self) -> Any:
        context = await self._browser.new_context(**PHONE)
        await context.route("**/*", _block_unneeded)
        return context

    async def _take(self) -> Any:
        async with self._lock:  # no page is being opened in a context being replaced
            if self._opened >= CONTEXT_PAGES:  # a fresh context; the old one closes when idle
                self._opened = 0
                old, self._context = self._context, await self._new_context()
                idle, self._idle = self._idle, []
                for page in idle:
                    await self._close(page)
                if not old.pages:
                    await _quietly(old.close())
            self._opened += 1
            if self._idle:
                return self._idle.pop()
            page = await self._context.new_page()
        page.on("dialog", self._on_dialog(page))
        page.on("crash", lambda p: self._crashed.add(p))
        return page

    def _on_dialog(self, page: Any) -> Any:
        async def handle(dialog: Any) -> None:
            self._dialogs.setdefault(page, []).append(f"{dialog.type}: {dialog.message[:100]}")
            try:
                await dialog.dismiss()
            except Exception:  # noqa: BLE001 - the page may be gone already
                pass
        return handle

    async def _give_back(self, page: Any, keep: bool) -> None:
        self._dialogs.pop(page, None)
        uses = self._uses[page] = self._uses.get(page, 0) + 1
        if (keep and uses < PAGE_USES and page.context is self._context
                and len(self._idle) < self._idle_cap):
            self._idle.append(page)
            return
        await self._close(page)
        context = page.context
        if context is not self._context and not context.pages:  # the last page of an old one
            await _quietly(context.close())

    async def _close(self, page: Any) -> None:
        self._uses.pop(page, None)
        self._crashed.discard(page)
        await _quietly(page.close())


async def _quietly(closing: Any) -> None:
    """Await a page's or a context's close, bounded; one that will not close goes with the
    browser (a crashed page may refuse)."""
    try:
        await asyncio.wait_for(closing, 10)
    except Exception:  # noqa: BLE001
        pass


async def _block_unneeded(route: Any) -> None:
    if route.request.resource_type in BLOCKED:
        await route.abort()
    else:
        await route.continue_()


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
