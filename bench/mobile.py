"""Mobile-check benchmark: govmedia's phone rendering against Lighthouse 11.7.1 on sandbox pages
(see shared/BENCHMARKS.md, "Mobile adaptation").

    python bench/mobile.py [--accounts 3] [--peers DIR] [--lh-screen ours|lighthouse]

Pages: for each of --accounts sandbox accounts, every mobile page kind of sandbox/sites.py
(m/<kind>/, all but `hang`, which Lighthouse would wait on for its full load timeout) and the
site's ordinary pages (home, the 12 sections, login, service hall): 26 pages per account.
Both tools render the same URLs with the same Chromium (/usr/bin/chromium, CHROME_PATH for
Lighthouse). Lighthouse runs one page at a time (its normal use) with a config trimmed to the
four audits (viewport, content-width, font-size, tap-targets), mobile form factor, and by
default the same phone screen as govmedia (390×844, scale 3, the WeChat user agent;
--lh-screen lighthouse keeps its own 412×823 Moto G). Lighthouse comes from npm into --peers
(default: a temp folder), installed there on first use with `npm i lighthouse@11`.

Printed: pages per minute for each tool and the ratio (govmedia's time includes starting the
browser), and per audit the agreement of verdicts with the pages that disagree.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from govmedia.artifacts import CHINA_TZ, MobileSnapshot
from govmedia.checks.mobile import legible_share, overflow_px, viewport_ok, viewport_problem
from govmedia.collect.browser import DEBIAN_CHROMIUM, PHONE, PhoneBrowser
from govmedia.sandbox import load_world, run_world
from govmedia.sandbox.sites import MOBILE_PAGES, SECTIONS
from govmedia.settings import Settings

AUDITS = ("viewport", "content-width", "font-size", "tap-targets")
CONFIG = """export default {
  extends: 'lighthouse:default',
  settings: {
    onlyAudits: ['viewport', 'content-width', 'font-size', 'tap-targets'],
    formFactor: 'mobile',
    throttlingMethod: 'simulate',
    disableFullPageScreenshot: true,
    pauseAfterFcpMs: 0, pauseAfterLoadMs: 0,
    networkQuietThresholdMs: 0, cpuQuietThresholdMs: 0,
    skipAboutBlank: true,
    %s
  },
};
"""
_W, _H = PHONE["viewport"]["width"], PHONE["viewport"]["height"]
OUR_SCREEN = (f"screenEmulation: {{mobile: true, width: {_W}, height: {_H}, "
              f"deviceScaleFactor: {PHONE['device_scale_factor']}, disabled: false}}, "
              f"emulatedUserAgent: {json.dumps(PHONE['user_agent'])},")


def lighthouse(peers: Path) -> Path:
    """Return the lighthouse binary in peers, installing lighthouse@11 there when missing."""
    binary = peers / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        peers.mkdir(parents=True, exist_ok=True)
        print(f"installing lighthouse@11 into {peers} …", flush=True)
        subprocess.run(["npm", "init", "-y"], cwd=peers, check=True, capture_output=True)
        subprocess.run(["npm", "i", "lighthouse@11"], cwd=peers, check=True,
                       capture_output=True)
    return binary


def ours(snap: MobileSnapshot) -> dict[str, bool]:
    """Return govmedia's verdict per Lighthouse audit (True = pass)."""
    return {"viewport": viewport_ok(snap), "content-width": overflow_px(snap) <= 2,
            "font-size": viewport_ok(snap) and legible_share(snap) >= 0.6,
            "tap-targets": viewport_ok(snap) and not snap.tap_failing}


def run_lighthouse(binary: Path, config: Path, url: str, out: Path) -> dict[str, bool] | str:
    env = {**os.environ, "CHROME_PATH": DEBIAN_CHROMIUM}
    cmd = [str(binary), url, "--quiet", "--chrome-flags=--headless=new --no-sandbox",
           f"--config-path={config}", "--output=json", f"--output-path={out}"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    if proc.returncode != 0 or not out.exists():
        return f"lighthouse failed: {proc.stderr.strip()[-300:]}"
    audits = json.loads(out.read_text(encoding="utf-8"))["audits"]
    return {a: audits[a]["score"] == 1 for a in AUDITS}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=3)
    ap.add_argument("--peers", type=Path,
                    default=Path(tempfile.gettempdir()) / "govmedia-bench-lh11")
    ap.add_argument("--lh-screen", choices=("ours", "lighthouse"), default="ours")
    args = ap.parse_args()
    binary = lighthouse(args.peers)
    version = json.loads((args.peers / "node_modules" / "lighthouse" / "package.json")
                         .read_text())["version"]
    world = load_world(datetime(2026, 11, 20, 12, tzinfo=CHINA_TZ), "demo")
    kinds = [k for k in MOBILE_PAGES if k != "hang"]
    with tempfile.TemporaryDirectory() as tmp, run_world(world):
        tmpdir = Path(tmp)
        urls = []
        for acc in world.accounts[:args.accounts]:
            root = f"{world.base_url}/sites/{acc.slug}/"
            urls += [f"{root}m/{k}/" for k in kinds]
            urls += [root, *(root + p for p in SECTIONS), root + "tyrz/login", root + "bsdt/"]
        print(f"{len(urls)} pages on 127.0.0.1; Chromium {DEBIAN_CHROMIUM}; "
              f"Lighthouse {version} (screen: {args.lh_screen})", flush=True)

        async def govmedia() -> tuple[tuple[MobileSnapshot, ...], str]:
            settings = Settings(data_dir=str(tmpdir / "data"))
            async with PhoneBrowser(settings) as browser:
                if browser.unavailable:
                    sys.exit(f"no browser: {browser.unavailable}")
                return await browser.measure_many(urls), browser.version

        started = time.monotonic()
        snaps, chrome = asyncio.run(govmedia())
        ours_s = time.monotonic() - started
        print(f"govmedia: {len(urls)} pages in {ours_s:.1f} s "
              f"({len(urls) / ours_s * 60:.0f} pages/min, Chromium {chrome})", flush=True)

        config = tmpdir / "config.mjs"
        config.write_text(CONFIG.replace("%s", OUR_SCREEN if args.lh_screen == "ours" else ""))
        started = time.monotonic()
        theirs = [run_lighthouse(binary, config, u, tmpdir / f"lh{i}.json")
                  for i, u in enumerate(urls)]
        lh_s = time.monotonic() - started
    print(f"lighthouse: {len(urls)} pages in {lh_s:.1f} s ({len(urls) / lh_s * 60:.1f} "
          f"pages/min)")
    print(f"ratio: govmedia is {lh_s / ours_s:.1f}x Lighthouse's pages per minute")
    failed = [(u, t) for u, t in zip(urls, theirs, strict=True) if isinstance(t, str)]
    for u, t in failed:
        print(f"  not compared: {u}: {t}")
    pairs = [(u, s, t) for u, s, t in zip(urls, snaps, theirs, strict=True)
             if isinstance(t, dict) and s.ok]
    print(f"agreement on {len(pairs)} pages (verdict pass/fail per audit):")
    for audit in AUDITS:
        diff = [(u, s) for u, s, t in pairs if ours(s)[audit] != t[audit]]
        print(f"  {audit:14s} {(len(pairs) - len(diff)) / max(1, len(pairs)):6.1%}"
              f"  ({len(pairs) - len(diff)}/{len(pairs)})")
        for u, s in diff:
            got = ours(s)[audit]
            print(f"      {u.split('/sites/')[1]}: govmedia "
                  f"{'pass' if got else 'fail'}, lighthouse {'fail' if got else 'pass'}")
    stricter = [u for u, s, _t in pairs if viewport_problem(s) and viewport_ok(s)]
    print(f"mobile.no_viewport also flags a fixed viewport width (stricter than Lighthouse, by "
          f"design) on {len(stricter)} pages: "
          + ", ".join(u.split('/sites/')[1] for u in stricter))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
