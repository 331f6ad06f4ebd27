"""`govmedia monitor`: scheduled daily/weekly cycles with early-warning alerts.

`--once daily|weekly` runs one cycle and exits (for tests and for the system's cron): exit 0
when every due alert was delivered (or no channel is set), 1 when a delivery failed (it stays
due for the next cycle), 2 for bad input. Without --once the schedules in the settings run
until Ctrl-C or SIGTERM: a stop while idle ends at once; during a cycle the cycle finishes
first, and a second Ctrl-C aborts it (exit 130; the run resumes and the alerts go out later).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from govmedia.artifacts import CHINA_TZ
from govmedia.checks.registry import check_table
from govmedia.commands.common import (
    EXECUTOR_HELP,
    check_executor,
    console,
    engine,
    err_console,
    fail,
    settings,
)
from govmedia.commands.inspect import parse_as_of
from govmedia.indicators.engine import ProfileError, builtin_systems, load_system
from govmedia.monitor.channels import Channel, ChannelError, channels_from_settings
from govmedia.monitor.cycle import CycleReport, NoAccounts, run_cycle
from govmedia.monitor.messages import change_title, kind_title
from govmedia.monitor.schedule import Schedule, ScheduleError, parse_schedule, run_schedule
from govmedia.monitor.warnings import rules
from govmedia.run.distributed import DistributedError
from govmedia.store.locks import LockHeld, exclusive

MAX_LISTED = 20  # alerts listed on the console per cycle
WAIT_SLICE_S = 300.0  # re-read the clock at least this often (clock changes, suspend)


def _when(t: datetime) -> str:
    return t.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def print_report(report: CycleReport) -> None:
    """Print what a cycle saw, which alerts it raised, and what each channel got."""
    name = rules()["cycles"][report.cycle]
    unknown = sum(1 for o in report.observations if o.not_checked)
    run = f"（运行 {report.run_id}）" if report.run_id is not None else ""
    console.print(f"[bold]{name}[/] · 监测时间点 {_when(report.as_of)}{run}："
                  f"{len(report.observations)} 个账号，其中 {unknown} 个有检查项未能检查",
                  highlight=False)
    acts = report.actions
    console.print(f"预警 {len(report.alerting)} 条（新发现 {acts['new']}、有变化 "
                  f"{acts['changed']}、再次出现 {acts['back']}）；已恢复 {acts['resolved']} 条；"
                  f"持续未变 {acts['seen']} 条（不重复提醒）；链接问题基线 {acts['baseline']} 条",
                  highlight=False)
    by_key = {w.key: w for w in report.warnings}
    for d in report.alerting[:MAX_LISTED]:
        w = by_key[d.key]
        console.print(f"  ［{kind_title(w.kind)}］{w.account}：{w.finding.message}"
                      f"（{change_title(d.action)}）", highlight=False, markup=False)
    if len(report.alerting) > MAX_LISTED:
        console.print(f"  …… 另有 {len(report.alerting) - MAX_LISTED} 条", highlight=False)
    if not report.channels:
        return
    console.print(f"待发送预警 {report.due} 条：", highlight=False)
    for r in report.channels:
        failed = r.alerts_failed
        line = f"  {r.channel.name}：已送达 {r.messages_sent} 条消息"
        if failed:
            line += (f"；[red]{failed} 条预警未送达[/]：{'；'.join(r.errors) or '未发送'}"
                     "（下一轮补发）")
        elif r.errors:
            line += f"（{'；'.join(r.errors)}）"
        console.print(line, highlight=False)


@contextmanager
def _weekly_progress(cycle: str) -> Iterator[Callable[[str, str], None] | None]:
    if cycle != "weekly":
        err_console.print("每日更新巡检：读取各账号的发布时间……", highlight=False)
        yield None
        return
    columns = (TextColumn("[bold]每周全面检查"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def tick(name: str, verdict: str) -> None:
            bar.update(task, advance=1, description=f"{name}：{verdict}")

        yield tick


def _one_cycle(eng: Any, cfg: Any, cycle: str, as_of: datetime, system: str,
               channels: list[Channel], executor: str, *, once: bool) -> CycleReport | None:
    """Run a cycle and print its report; None when a distributed run could not be done on a
    schedule (said on stderr: the next cycle tries again), an exit with --once."""
    with _weekly_progress(cycle) as tick:
        try:
            report = run_cycle(eng, cfg, cycle, as_of, system=system, channels=channels,
                               executor=executor, progress=tick)
        except NoAccounts as exc:
            fail(str(exc))
        except DistributedError as exc:
            if once:
                fail(str(exc), code=exc.code)
            err_console.print(f"[red]{rules()['cycles'][cycle]}未完成：{exc}（下一轮再试）[/]",
                              highlight=False)
            return None
    print_report(report)
    return report


def _serve(eng: Any, cfg: Any, schedules: list[Schedule], system: str,
           channels: list[Channel], executor: str) -> None:
    stop = threading.Event()
    busy = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        if busy.is_set() and stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        if busy.is_set():
            err_console.print("收到停止信号：本轮结束后停止（再按一次 Ctrl-C 立即中止）")

    def cycle(name: str, as_of: datetime) -> None:
        busy.set()
        try:
            _one_cycle(eng, cfg, name, as_of, system, channels, executor, once=False)
        finally:
            busy.clear()

    def announce(name: str, when: datetime) -> None:
        console.print(f"下次：{rules()['cycles'][name]} {_when(when)}", highlight=False)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        plan = "；".join(f"{rules()['cycles'][s.cycle]}“{s.cron}”" for s in schedules)
        console.print(f"监测已启动（北京时间）：{plan}；按 Ctrl-C 停止", highlight=False)
        run_schedule(schedules, cycle, clock=lambda: datetime.now(CHINA_TZ),
                     wait=lambda s: stop.wait(min(s, WAIT_SLICE_S)), announce=announce)
    except KeyboardInterrupt:
        err_console.print("监测已中止：本轮未完成（已保存的账号下次续跑，未发送的预警下次补发）")
        raise typer.Exit(130) from None
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    console.print("监测已停止")


def monitor(
    once: str | None = typer.Option(
        None, "--once", help="Run one cycle, daily (publish times) or weekly (full "
        "inspection), and exit: for tests and the system's cron."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="With --once: inspection time (ISO 8601); default now."),
    system: str = typer.Option("gb-2019-19", "--system", help="Indicator system of the weekly "
                               f"inspection (built-in: {', '.join(builtin_systems())})."),
    executor: str = typer.Option("local", "--executor",
                                 help="How the weekly inspection runs; " + EXECUTOR_HELP),
) -> None:
    """Run the monitor: daily and weekly cycles on their cron schedules, with alerts."""
    if once is not None and once not in ("daily", "weekly"):
        fail(f"--once 只能是 daily 或 weekly，而不是 {once!r}")
    if as_of is not None and once is None:
        fail("--as-of 只能与 --once 一起使用（定时运行时监测时间点即运行时刻）")
    check_executor(executor)
    when = parse_as_of(as_of) if once else None
    cfg = settings()
    check_executor(executor, cfg)
    try:
        channels = channels_from_settings(cfg)
        schedules = [parse_schedule("daily", cfg.monitor_daily, "monitor_daily"),
                     parse_schedule("weekly", cfg.monitor_weekly, "monitor_weekly")]
        load_system(system, frozenset(check_table()))
    except (ChannelError, ScheduleError, ProfileError) as exc:
        fail(str(exc))
    eng = engine(cfg)
    if not channels:
        err_console.print("[yellow]未配置预警渠道（alert_webhooks、alert_email_to）："
                          "预警只显示在这里[/]")
    try:
        with exclusive(eng, "monitor"):
            if once is None:
                _serve(eng, cfg, schedules, system, channels, executor)
                return
            try:
                report = _one_cycle(eng, cfg, once, when, system, channels, executor,
                                    once=True)
            except KeyboardInterrupt:
                err_console.print("已中止：本轮未完成（已保存的账号下次续跑，未发送的预警下次补发）")
                raise typer.Exit(130) from None
    except LockHeld:
        fail("另一个 govmedia monitor 正在使用这个数据库（同时运行会重复发送预警）：请等它结束，"
             "或先停止它")
    raise typer.Exit(1 if report is None or report.failed else 0)
