"""National-run benchmark: a full `govmedia inspect` of a sandbox shaped like the 2024 national
sample, then at scale, then on Celery with 1 and 2 workers (see shared/BENCHMARKS.md,
"National run").

    python bench/national.py [--accounts 454] [--scale 5000] [--workers 1,2]
                             [--celery-accounts N] [--repeat 1] [--hosts 32]
                             [--skip local,scale,celery]

The world is sandbox/national.py: 454 accounts (52 ministries, 30 provincial governments, 372
provincial departments), 40 articles each, 3 menus with sub-items into sites spread over
--hosts loopback addresses, with the faults of seed 001. It is served by a child process; its
CPU time is printed apart (on this machine it shares the 2 cores with govmedia).

1. local: `govmedia inspect` as a user runs it (SQLite, the in-process executor, the phone checks in
   Chromium). Printed: wall time, seconds per account, CPU seconds of govmedia's process tree
   (inspect and its Chromium: exact, read when the run has ended), and the tree's peak memory: RSS
   summed over its processes (pages shared between Chromium's processes counted in each) and PSS
   (shared pages split between the processes that share them), and the CPU split by kind of
   process (Chromium's browser, renderers, GPU/compositor and network service, Playwright's
   driver; sampled once a second). Limits: 300 s, 1.5 GB.
2. scale: the same on --scale accounts (the first 454 of them are the same accounts): seconds
   per account against step 1; flat means within 20 %.
3. celery: `govmedia inspect --executor celery` (PostgreSQL, a fresh database each time) with
   1 worker, then 2 workers (`govmedia worker` processes started just before the run), on
   --celery-accounts accounts, --repeat times alternately: wall times, how busy the whole
   machine was, and the speed-up of the best times.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AS_OF = "2026-11-20T12:00:00+08:00"
PG_ADMIN = os.environ.get("GOVMEDIA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("GOVMEDIA_TEST_REDIS", "redis://127.0.0.1:6379/0")
TIME_LIMIT, MEMORY_LIMIT, FLAT = 300.0, 1.5e9, 0.20
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_EVERY = 1.0  # seconds between samples of the process tree's memory and CPU


def serve(accounts: int, hosts: int, csv_path: str, conn, stop) -> None:
    """Child process: build and serve the national world; send its base URL; wait for stop."""
    import csv
    from datetime import datetime

    from govmedia.sandbox import registry_rows
    from govmedia.sandbox.national import national_world, run_national
    from govmedia.store.models import ACCOUNT_FIELDS

    world = national_world(datetime.fromisoformat(AS_OF), accounts)
    with run_national(world, hosts=hosts):
        with open(csv_path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(ACCOUNT_FIELDS))
            writer.writeheader()
            writer.writerows(registry_rows(world))
        conn.send(world.base_url)
        stop.wait()


# --- process-tree accounting (/proc) -------------------------------------------------------


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def tree(roots: list[int]) -> list[int]:
    """Return the pids of roots and all their descendants."""
    kids, out, todo = _children(), [], list(roots)
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, ()))
    return out


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _memory(pid: int) -> tuple[int, int]:
    rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    pss = rss
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    return rss, pss


def kind(pid: int) -> str:
    """Return what a process of the tree is: "driver" (Playwright's Node.js), Chromium's
    "browser", "renderer", "gpu" (its compositor) and "network", or "other" (the command
    itself is told apart by Usage.by_kind)."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace")
    except OSError:
        return "other"
    exe = Path(cmd.split(" ", 1)[0]).name
    if exe == "node":
        return "driver"
    if "chrom" not in exe:
        return "other"
    found = re.search(r"--type=(\S+)", cmd)  # the headless shell joins its argv with spaces
    process_type = found.group(1) if found else "browser"
    if process_type == "utility" and "NetworkService" in cmd:
        return "network"
    return {"gpu-process": "gpu", "renderer": "renderer",
            "browser": "browser"}.get(process_type, "other")


@dataclass
class Usage:
    """What a process tree used: CPU seconds, peak summed RSS and PSS (bytes)."""

    cpu: dict[int, float] = field(default_factory=dict)
    kinds: dict[int, str] = field(default_factory=dict)  # pid → kind(pid), read once
    rss: int = 0
    pss: int = 0
    steal: float = 0.0  # share of the machine's CPU time the hypervisor took (st in vmstat)
    machine: float = 0.0  # CPU seconds the whole machine was busy (every process, the kernel)
    reaped: float = 0.0  # exact CPU seconds of the command's tree, read when it has ended
    root: int = 0  # the command's own pid

    def sample(self, roots: list[int]) -> None:
        rss = pss = 0
        for pid in tree(roots):
            if pid not in self.kinds:
                self.kinds[pid] = kind(pid)
            try:
                self.cpu[pid] = _cpu(pid)
                r, p = _memory(pid)
            except (OSError, IndexError, ValueError):
                continue  # ended between the listing and the read
            rss, pss = rss + r, pss + p
        self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)

    @property
    def own_seconds(self) -> float:
        """CPU seconds of the command's own process (its last sample)."""
        return self.cpu.get(self.root, 0.0)

    def by_kind(self) -> dict[str, float]:
        """Return CPU seconds by kind of process (see kind) at their last samples, with
        "unsampled": what the exact total has beyond them (mostly renderers that started and
        ended between two samples)."""
        out: dict[str, float] = {}
        for pid, seconds in self.cpu.items():
            name = "inspect" if pid == self.root else self.kinds.get(pid, "other")
            out[name] = out.get(name, 0.0) + seconds
        out["unsampled"] = max(0.0, self.reaped - sum(out.values()))
        return out


def _machine() -> tuple[int, int, int]:
    """Return (busy, steal, total) jiffies of the whole machine since boot: busy is user, nice,
    system, irq and softirq time (every process and the kernel); steal is CPU time the
    hypervisor gave elsewhere."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(ticks[:3]) + ticks[5] + ticks[6], ticks[7], sum(ticks[:8])


def speed_check() -> str:
    """Return the CPU seconds one core takes for a fixed piece of work (Python, hashing and
    zlib): the median of 5 tries and their range.

    Printed before and after the steps: this machine's speed varies (the same 454-account run
    used 524 s of CPU one morning and 699 s that afternoon), so a wall time is read beside it."""
    import hashlib
    import statistics
    import zlib

    blob, tries = bytes(range(256)) * 4096, []
    for _ in range(5):
        started = time.process_time()
        for i in range(40):
            zlib.compress(hashlib.sha256(blob + bytes([i])).digest() * 4096, 6)
            sum(k * k for k in range(100_000))
        tries.append(time.process_time() - started)
    return (f"{statistics.median(tries):.2f} s ({min(tries):.2f}–{max(tries):.2f}; fixed work "
            "on one core, lower is faster)")


def become_subreaper() -> None:
    """Adopt this process's orphaned descendants (Linux PR_SET_CHILD_SUBREAPER).

    Chromium's zygote outlives the browser for a moment: orphaned, it would be reaped by init
    with the CPU time of every renderer it reaped, and the tree's CPU would miss it (measured:
    about half of the machine's busy time during phone rendering)."""
    import ctypes

    if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:
        sys.exit(f"prctl(PR_SET_CHILD_SUBREAPER) failed: errno {ctypes.get_errno()}")


def _reap_orphans(keep: set[int], seconds: float = 30.0) -> list[str]:
    """Wait for and reap this process's children that are not in keep (adopted orphans);
    return the names of those still running after `seconds` (then killed)."""
    deadline = time.monotonic() + seconds
    while True:
        kids = [p for p in _children().get(os.getpid(), []) if p not in keep]
        left = []
        for pid in kids:
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    left.append(pid)
            except ChildProcessError:
                pass
        if not left:
            return []
        if time.monotonic() > deadline:
            names = []
            for pid in left:
                try:
                    names.append(Path(f"/proc/{pid}/comm").read_text().strip())
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                except (OSError, ChildProcessError):
                    pass
            return names
        time.sleep(0.1)


def _reaped_cpu() -> float:
    """Return the CPU seconds of this process's ended and reaped descendants."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measured(cmd: list[str], env: dict[str, str], also: list[int] = ()) -> tuple[float, Usage]:
    """Run cmd; return its wall time and the usage of its tree (plus the trees of `also`)."""
    usage, done = Usage(), threading.Event()
    keep = set(_children().get(os.getpid(), []))
    machine_before, reaped_before = _machine(), _reaped_cpu()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    usage.root = proc.pid

    def sampler() -> None:  # once a second: a scan of /proc costs CPU the run would use
        while not done.wait(SAMPLE_EVERY):
            usage.sample([proc.pid, *also])

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    _, err = proc.communicate()
    wall = time.monotonic() - started
    stray = _reap_orphans(keep | {proc.pid})
    if stray:
        print(f"  warning: still running after the command ended (killed): {stray}")
    # Exact CPU of the command's whole tree once it has ended and been reaped (renderers that
    # lived between two samples and orphans adopted by this subreaper included); the samples
    # only split it by process.
    usage.reaped = _reaped_cpu() - reaped_before
    busy, steal, total = (a - b for a, b in zip(_machine(), machine_before, strict=True))
    usage.steal = steal / total if total else 0.0
    usage.machine = busy / TICKS
    done.set()
    thread.join()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd[2:4])} failed ({proc.returncode}): {err.decode()[-1500:]}")
    return wall, usage


# --- the three steps --------------------------------------------------------------------------


@dataclass
class World:
    """A served national world: its base URL, registry CSV and server process."""

    base_url: str
    csv_path: Path
    proc: multiprocessing.Process
    stop: object

    def cpu_seconds(self) -> float:
        return sum(_cpu(p) for p in tree([self.proc.pid]))

    def close(self) -> None:
        self.stop.set()
        self.proc.join(30)


def start_world(accounts: int, hosts: int, folder: Path) -> World:
    csv_path = folder / f"accounts-{accounts}.csv"
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    stop = ctx.Event()
    proc = ctx.Process(target=serve, args=(accounts, hosts, str(csv_path), child, stop),
                       daemon=True)
    proc.start()
    if not parent.poll(120):
        sys.exit("the sandbox did not start")
    return World(parent.recv(), csv_path, proc, stop)


def _env(world: World, db: str, data: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "GOVMEDIA_DB": db, "GOVMEDIA_WECHAT_API_BASE": world.base_url,
            "GOVMEDIA_DATA_DIR": str(data), "GOVMEDIA_BROKER": REDIS, **extra}


def _inspect(world: World, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "govmedia", "inspect", "--accounts", str(world.csv_path),
            "--as-of", AS_OF, "--format", "json", "-o", str(out), *extra]


def local_run(accounts: int, hosts: int, folder: Path) -> dict[str, Any]:
    """Run a local inspect of a fresh world of `accounts`; return its figures."""
    world = start_world(accounts, hosts, folder)
    try:
        sandbox_before = world.cpu_seconds()
        run = folder / f"local-{accounts}"
        wall, usage = measured(_inspect(world, run / "out.json"),
                               _env(world, f"sqlite:///{run}/g.db", run / "data"))
        sandbox = world.cpu_seconds() - sandbox_before
    finally:
        world.close()
    return {"accounts": accounts, "wall": wall, "per_account": wall / accounts,
            "cpu": usage.reaped, "inspect": usage.own_seconds, "rss": usage.rss,
            "pss": usage.pss, "sandbox": sandbox, "kinds": usage.by_kind(),
            "steal": usage.steal, "machine": usage.machine}


def _pg_database():
    import psycopg

    name = f"govmedia_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{name}"')
    return admin, name, PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def celery_run(world: World, workers: int, folder: Path) -> tuple[float, float, float]:
    """Return (wall, machine busy CPU s, steal) of a celery inspect of the world with `workers`
    warm workers. The workers are not reaped during the run, so their Chromium renderers'
    CPU is not countable per tree: the whole machine's busy time stands for it (govmedia,
    the sandbox, PostgreSQL and Redis)."""
    import redis

    from govmedia.store.db import open_db

    admin, name, url = _pg_database()
    prefix = f"govmedia-bench-{uuid.uuid4().hex[:8]}"
    run = folder / f"celery-{workers}"
    env = _env(world, url, run / "data", GOVMEDIA_BROKER_PREFIX=prefix)
    procs = []
    try:
        open_db(url).dispose()
        for n in range(workers):
            log = open(run.with_suffix(f".worker{n}.log"), "wb")  # noqa: SIM115
            procs.append(subprocess.Popen([sys.executable, "-m", "govmedia", "worker",
                                           "--loglevel", "WARNING"], env=env, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True))
        wall, usage = measured(_inspect(world, run / "out.json", "--executor", "celery"), env,
                               also=[p.pid for p in procs])
        return wall, usage.machine, usage.steal
    finally:
        for proc in procs:
            os.killpg(proc.pid, 15)
        for proc in procs:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
        client = redis.Redis.from_url(REDIS)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accounts", type=int, default=454)
    ap.add_argument("--scale", type=int, default=5000, help="0: skip the scale step")
    ap.add_argument("--celery-accounts", type=int, default=0, help="default: --accounts")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--repeat", type=int, default=1, help="celery runs per worker count")
    ap.add_argument("--hosts", type=int, default=32)
    ap.add_argument("--skip", default="", help="steps to skip: local,scale,celery")
    args = ap.parse_args()
    become_subreaper()
    skip = set(filter(None, args.skip.split(",")))
    with tempfile.TemporaryDirectory(prefix="govmedia-national-") as tmp:
        folder = Path(tmp)
        print(f"machine: {os.cpu_count()} cores; sandbox: {args.hosts} site hosts; "
              f"as of {AS_OF}; load average before: {os.getloadavg()[0]:.1f}; speed check "
              f"{speed_check()}\n", flush=True)
        base = None
        if "local" not in skip:
            base = local_run(args.accounts, args.hosts, folder)
            _print_local("local, in-process executor, SQLite", base)
            whole = base["per_account"] * 454  # the target is for the 454-account sample
            shown = "" if args.accounts == 454 else f"{whole:.0f} s projected for 454 accounts "
            print(f"  limits: {TIME_LIMIT:.0f} s → {shown}{_met(whole <= TIME_LIMIT)}, "
                  f"1.5 GB → RSS {_met(base['rss'] <= MEMORY_LIMIT)}, "
                  f"PSS {_met(base['pss'] <= MEMORY_LIMIT)}\n")
        if "scale" not in skip and args.scale:
            big = local_run(args.scale, args.hosts, folder)
            _print_local("scale, in-process executor, SQLite", big)
            if base is not None:
                ratio = big["per_account"] / base["per_account"]
                print(f"  time per account vs {base['accounts']} accounts: {ratio:.2f}x → "
                      f"flat within 20 %: {_met(abs(ratio - 1) <= FLAT)}\n")
        if "celery" not in skip:
            n = args.celery_accounts or args.accounts
            world = start_world(n, args.hosts, folder)
            counts = [int(x) for x in args.workers.split(",")]
            print(f"celery executor, PostgreSQL + Redis, {n} accounts:")
            best: dict[int, float] = {}
            try:
                for _ in range(args.repeat):
                    for w in counts:  # alternated, so that a busy moment hits both alike
                        wall, busy, steal = celery_run(world, w, folder)
                        best[w] = min(best.get(w, wall), wall)
                        print(f"  {w} worker{'s' if w > 1 else ' '}: {wall:7.1f} s  "
                              f"({wall / n:.3f} s/account; the whole machine busy "
                              f"{busy / wall:.2f} of {os.cpu_count()} cores; CPU stolen "
                              f"{steal:.0%})", flush=True)
            finally:
                world.close()
            if len(best) >= 2:
                (w1, t1), *_, (w2, t2) = best.items()
                print(f"  speed-up {w2} vs {w1} worker(s) (best of {args.repeat}): "
                      f"{t1 / t2:.2f}x")
        print(f"speed check after the steps: {speed_check()}")


def _print_local(title: str, r: dict[str, Any]) -> None:
    print(f"{title}, {r['accounts']} accounts:")
    print(f"  wall {r['wall']:.1f} s ({r['per_account']:.3f} s/account); govmedia CPU "
          f"{r['cpu']:,.0f} s ({r['inspect']:,.0f} s inspect + "
          f"{r['cpu'] - r['inspect']:,.0f} s Chromium and its driver, "
          f"{r['cpu'] / r['wall']:.2f} cores busy); sandbox CPU {r['sandbox']:,.0f} s; "
          f"CPU stolen by the hypervisor {r['steal']:.0%}; the whole machine busy "
          f"{r['machine'] / r['wall']:.2f} of {os.cpu_count()} cores", flush=True)
    parts = ", ".join(f"{name} {r['kinds'].get(name, 0.0):,.0f} s" for name in (
        "browser", "renderer", "gpu", "network", "driver", "other", "unsampled"))
    print(f"  Chromium and its driver by process: {parts}", flush=True)
    print(f"  peak memory of the process tree: RSS summed {_mb(r['rss'])}, PSS {_mb(r['pss'])}",
          flush=True)


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


if __name__ == "__main__":
    main()
