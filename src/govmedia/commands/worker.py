"""`govmedia worker`: a Celery worker that inspects the accounts of distributed runs."""

from __future__ import annotations

import logging
import os

import typer

from govmedia.commands.common import engine, err_console, fail, settings


def worker(
    concurrency: int | None = typer.Option(
        None, "--concurrency", min=1, help="Accounts collected at the same time by this "
        "worker (threads of one process); default: the concurrency setting."),
    loglevel: str = typer.Option("INFO", "--loglevel", help="DEBUG, INFO, WARNING or ERROR."),
) -> None:
    """Run a worker for `govmedia inspect --executor celery` (Redis broker, PostgreSQL db)."""
    cfg = settings(concurrency=concurrency)
    if cfg.db.startswith("sqlite"):
        fail("govmedia worker 需要 PostgreSQL 数据库（db 设置，如 GOVMEDIA_DB=postgresql://"
             "user@host/db）：SQLite 不能被多个 worker 共享")
    if loglevel.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        fail(f"--loglevel 只能是 DEBUG、INFO、WARNING 或 ERROR，而不是 {loglevel!r}")
    engine(cfg)  # open and upgrade now: a bad db setting is one clear error
    from kombu.exceptions import OperationalError

    from govmedia.run.celery_app import QUEUE, make_app

    app = make_app(cfg)
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
    except (OperationalError, OSError) as exc:
        fail(f"无法连接任务队列 {cfg.broker}（broker 设置）：{exc}")
    err_console.print(f"govmedia worker：队列 {cfg.broker_prefix}:{QUEUE}，并发 {cfg.concurrency}",
                      highlight=False)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is too many
    app.worker_main(["worker", "--pool=threads", f"--concurrency={cfg.concurrency}",
                     f"--loglevel={loglevel.upper()}", "--without-gossip", "--without-mingle",
                     "--without-heartbeat", "-n", f"govmedia-{os.getpid()}@%h", "-Q", QUEUE])
