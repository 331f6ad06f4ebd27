"""What a `govmedia worker` process keeps between account tasks, and the task's work.

A worker runs Celery's thread pool: settings.concurrency tasks at once in one process. The
tasks share one asyncio loop on a thread of its own, and on it the connection pools (one per
host), the per-host slots in Redis that every worker shares (collect/redis_gate.py), the
WeChat token cache and a phone browser per run. Each task has its own Downloader and its own
WARC file, <data_dir>/runs/<run>/accounts/<account>-<attempt>.warc.gz, indexed with the
account's results in one transaction: a task that starts again after its worker died writes
a fresh file, and the saved attempt's file is the one the evidence index names (the files of
other attempts are removed).
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from govmedia.artifacts import CHINA_TZ, AccountArtifacts
from govmedia.checks.registry import check_table
from govmedia.collect.browser import PhoneBrowser, run_shots_dir
from govmedia.collect.http import Downloader
from govmedia.collect.redis_gate import GateUnavailable, RedisGates
from govmedia.collect.transport import HostPoolTransport
from govmedia.collect.wechat_api import TokenCache
from govmedia.indicators.engine import IndicatorSystem, load_system
from govmedia.run.inspect import USER_AGENT, RunPlan, collect_one, save
from govmedia.settings import Settings
from govmedia.store import runs, tasks
from govmedia.store.archive import Archive
from govmedia.store.db import open_db
from govmedia.store.models import AccountRow

T = TypeVar("T")


class ForeignTask(LookupError):
    """A task for a run this worker's database does not have (another db setting)."""


@dataclass
class _RunBrowser:
    phone: PhoneBrowser
    users: int = 0


class WorkerRuntime:
    """The resources one worker process shares between its account tasks; see the module."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = open_db(settings.db)
        self._table = check_table()
        self._systems: dict[str, IndicatorSystem] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="govmedia-io",
                                        daemon=True)
        self._thread.start()
        self._browsers: dict[int, _RunBrowser] = {}
        self._call(self._open(), 30)

    async def _open(self) -> None:
        cfg = self.settings
        self._transport = HostPoolTransport(cfg.per_host_concurrency)
        # A slot is held for one request attempt (at most http_timeout) and its archiving.
        self.gates = RedisGates.from_url(cfg.broker, prefix=cfg.broker_prefix,
                                         limit=cfg.per_host_concurrency,
                                         lease=2 * cfg.http_timeout + 5)
        self._tokens = TokenCache()
        self._browser_lock = asyncio.Lock()

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def close(self) -> None:
        """Close the browsers, pools and Redis client, and stop the loop thread."""
        try:
            self._call(self._close(), 60)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self.engine.dispose()

    async def _close(self) -> None:
        for held in list(self._browsers.values()):
            await held.phone.close()
        self._browsers.clear()
        await self._transport.aclose()
        await self.gates.aclose()

    def _system(self, ref: str) -> IndicatorSystem:
        if ref not in self._systems:
            self._systems[ref] = load_system(ref, frozenset(self._table))
        return self._systems[ref]

    def inspect_account(self, run_id: int, account_id: int, as_of: str, system_ref: str,
                        worker: str) -> str:
        """Collect, check, score and save one account of a run; return saved or already.

        Raises ForeignTask when this worker's database has no such run, and GateUnavailable
        when Redis failed during collection (the results are not saved: the task runs again).
        """
        when = datetime.fromisoformat(as_of)
        info = runs.find_run(self.engine, run_id)
        if info is None or info.as_of != when.astimezone(UTC) or \
                account_id not in info.account_ids:
            raise ForeignTask(f"数据库中没有运行 {run_id}（监测时间点 {as_of}）的账号 "
                              f"{account_id}：该任务属于另一个数据库（worker 与 inspect 的 db "
                              "设置须相同）")
        tasks.begin(self.engine, run_id, account_id, worker, datetime.now(CHINA_TZ))
        system = self._system(system_ref)
        rows = runs.run_accounts(self.engine, [account_id])
        if not rows:
            raise LookupError(f"账号 {account_id} 已从名录中删除")
        plan = RunPlan(run_id, system, system_ref, when, tuple(rows), frozenset(), False)
        if runs.is_saved(self.engine, run_id, account_id, system.id):
            tasks.done(self.engine, run_id, account_id, datetime.now(CHINA_TZ))
            return "already"  # saved by an earlier attempt: nothing to collect again
        folder = Path(self.settings.data_dir) / "runs" / str(run_id) / "accounts"
        path = folder / f"{account_id}-{secrets.token_hex(4)}.warc.gz"
        archive = Archive(path, name=str(path.relative_to(Path(self.settings.data_dir))))
        errors = self.gates.errors
        try:
            art = self._call(self._collect(rows[0], when, archive, run_id),
                             self.settings.task_lease)
        finally:
            archive.close()
        if self.gates.errors != errors:
            path.unlink(missing_ok=True)
            raise GateUnavailable("采集期间 Redis 不可用（每个网站的并发上限无法保持），结果未保存")
        verdict = save(self.engine, plan, self._table, rows[0], art, evidence=archive.drain(),
                       review_required=self.settings.review_required)
        if verdict is None:  # another attempt saved first: its file is the evidence
            path.unlink(missing_ok=True)
            return "already"
        for other in folder.glob(f"{account_id}-*.warc.gz"):  # attempts that died
            if other != path:
                other.unlink(missing_ok=True)
        return "saved"

    async def _collect(self, row: AccountRow, as_of: datetime, archive: Archive,
                       run_id: int) -> AccountArtifacts:
        phone = await self._browser(run_id)
        try:
            async with Downloader(self.settings, archive=archive, user_agent=USER_AGENT,
                                  transport=self._transport,
                                  gates=self.gates.for_host) as downloader:
                return await collect_one(downloader, phone, self.settings, row, as_of,
                                         self._tokens)
        finally:
            self._browsers[run_id].users -= 1

    async def _browser(self, run_id: int) -> PhoneBrowser:
        """Return the run's phone browser; another run's idle browser is closed first."""
        async with self._browser_lock:
            held = self._browsers.get(run_id)
            if held is None:
                for other, old in list(self._browsers.items()):
                    if old.users == 0:
                        del self._browsers[other]
                        await old.phone.close()
                phone = PhoneBrowser(self.settings,
                                     shots_dir=run_shots_dir(self.settings.data_dir, run_id))
                held = self._browsers[run_id] = _RunBrowser(await phone.__aenter__())
            held.users += 1
            return held.phone

    def record_failure(self, run_id: int, account_id: int, exc: BaseException, *,
                       final: bool) -> None:
        """Record a task's error in its task row (failed for good when final)."""
        try:
            tasks.fail(self.engine, run_id, account_id, f"{type(exc).__name__}: {exc}",
                       datetime.now(CHINA_TZ), final=final)
        except Exception:  # noqa: BLE001 - the database itself may be what failed
            pass

