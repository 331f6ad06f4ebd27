"""`govmedia monitor`: scheduled daily/weekly cycles with early-warning alerts.

`--once daily|weekly` runs one cycle and exits (for tests and for the system's cron): exit 0
when every due alert was delivered (or no channel is set), 1 when a delivery failed (it stays
due for the next cycle) or the cycle could not be done (a database, file or indicator-system
error, said in one line), 2 for bad input. Without --once the schedules in the settings run
until Ctrl-C or SIGTERM: a cycle that fails is said in one line on stderr and the schedule
goes on (the next due time tries again); a stop while idle ends at once; during a cycle the
cycle finishes first, and a second Ctrl-C aborts it (exit 130; the alerts go out later).

An interrupted weekly cycle leaves its run unfinished. The next weekly cycle resumes it (its
as-of, only the accounts not yet saved) when it belongs to the current period of the weekly
schedule (the schedule has not fired since its as-of) and has the same indicator system and
accounts; otherwise it marks it abandoned and inspects every account anew. A monitor started
within that period resumes it at once. Unfinished runs of `govmedia inspect` are left alone.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import SQLAlchemyError

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
from govmedia.monitor.schedule import (
    Schedule,
    ScheduleError,
    next_fire,
    parse_schedule,
    run_schedule,
    same_period,
)
from govmedia.monitor.warnings import rules
from govmedia.run.distributed import DistributedError
from govmedia.run.inspect import RunBusy
from govmedia.store.accounts import list_accounts
from govmedia.store.locks import LockHeld, exclusive
from govmedia.store.monitor_runs import interrupted_weekly, record_weekly_start
from govmedia.store.runs import RunInfo, abandon_run, run_as_of

MAX_LISTED = 20  # alerts listed on the console per cycle
WAIT_SLICE_S = 300.0  # re-read the clock at least this often (clock changes, suspend)
# What makes a cycle fail that a person can cause or cure: the database (connection dropped,
# disk full), files (data_dir), an indicator-system YAML edited into something invalid, the
# weekly run being executed by another process (govmedia inspect --resume).
CYCLE_ERRORS = (ProfileError, OSError, SQLAlchemyError, RunBusy)


def _now() -> datetime:
    return datetime.now(CHINA_TZ).replace(microsecond=0)


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


def _reason(exc: Exception) -> str:
    """Return what went wrong in one line (for a database error, the driver's message)."""
    inner = getattr(exc, "orig", None) or exc
    text = " ".join(str(inner).split()) or type(inner).__name__
    if isinstance(exc, OSError) and exc.strerror:  # without the "[Errno 20]"
        text = f"{exc.strerror}：{exc.filename}" if exc.filename else exc.strerror
    return text if isinstance(exc, (*CYCLE_ERRORS, DistributedError)) else (
        f"{type(exc).__name__}: {text}")


def _failed(cycle: str, reason: str) -> None:
    err_console.print(f"[red]{rules()['cycles'][cycle]}未完成：{escape(reason)}（下一轮再试）[/]",
                      highlight=False)


def _aborted(cycle: str, as_of: datetime, weekly: Schedule, again: str) -> str:
    """Return what an aborted cycle leaves behind (what the next cycles will do with it)."""
    name = rules()["cycles"][cycle]
    if cycle != "weekly":
        return f"{name}未完成（未发送的预警下次补发）"
    return (f"{name}未完成：{_when(next_fire(weekly, as_of))} 之前{again} 即续跑（已保存的账号"
            "不再采集），之后的每周全面检查则放弃这次运行；未发送的预警下次补发")


def _interrupted(eng: Any, weekly: Schedule, system_id: str,
                 as_of: datetime) -> tuple[RunInfo | None, str]:
    """Return the monitor's interrupted weekly run, if any, and why a weekly cycle as of
    as_of cannot resume it ("" when it can)."""
    pending = interrupted_weekly(eng)
    if pending is None:
        return None, ""
    if pending.system != system_id:
        return pending, f"指标体系已改为 {system_id}"
    if list(pending.account_ids) != [r.id for r in list_accounts(eng)]:
        return pending, "账号名单已变化"
    if not same_period(weekly, pending.as_of, as_of):
        return pending, "不属于本周期"
    return pending, ""


def _weekly_as_of(eng: Any, weekly: Schedule, system: str, as_of: datetime, *,
                  fixed: bool = False) -> datetime:
    """Return the as-of of a weekly cycle, remembered as the monitor's: that of its interrupted
    run when the cycle resumes it, else as_of (a run it cannot resume is marked abandoned).

    fixed: as_of was given by the user (--once weekly --as-of T): it is kept; an interrupted
    run of the same period at another time is left as it is, still resumable."""
    system_id = load_system(system, frozenset(check_table())).id
    pending, why = _interrupted(eng, weekly, system_id, as_of)
    if fixed and pending is not None and not why and run_as_of(eng, pending) != as_of:
        pending = None
    if pending is not None and not why:
        as_of = run_as_of(eng, pending)
        err_console.print(f"续跑中断的每周全面检查：运行 {pending.id}（监测时间点 "
                          f"{_when(as_of)}），已保存的账号不再采集", highlight=False)
    elif pending is not None:
        done = ("已放弃" if abandon_run(eng, pending.id, _now())
                else "正由另一个进程执行，留给它完成")
        err_console.print(f"中断的每周全面检查（运行 {pending.id}，监测时间点 "
                          f"{_when(pending.as_of)}）{why}，{done}：本轮重新检查全部账号",
                          highlight=False)
    record_weekly_start(eng, as_of, system_id, _now())
    return as_of


def _one_cycle(eng: Any, cfg: Any, cycle: str, as_of: datetime, system: str,
               channels: list[Channel], executor: str, weekly: Schedule, *,
               once: bool, fixed_as_of: bool = False) -> CycleReport | None:
    """Run a cycle and print its report; None when it could not be done on a schedule (said
    on stderr in one line: the next cycle tries again). With --once such a failure exits with
    one line; there a programming error stays a traceback."""
    with _weekly_progress(cycle) as tick:
        try:
            if cycle == "weekly":
                as_of = _weekly_as_of(eng, weekly, system, as_of, fixed=fixed_as_of)
            report = run_cycle(eng, cfg, cycle, as_of, system=system, channels=channels,
                               executor=executor, progress=tick)
        except NoAccounts as exc:
            fail(str(exc))
        except DistributedError as exc:
            if once:
                fail(str(exc), code=exc.code)
            _failed(cycle, _reason(exc))
            return None
        except CYCLE_ERRORS as exc:
            if once:
                fail(f"{rules()['cycles'][cycle]}未完成：{escape(_reason(exc))}", code=1)
            _failed(cycle, _reason(exc))
            return None
        except Exception as exc:  # the daemon goes on; the next cycle tries again
            if once:
                raise
            _failed(cycle, _reason(exc))
            return None
    print_report(report)
    return report


def _serve(eng: Any, cfg: Any, schedules: list[Schedule], system: str,
           channels: list[Channel], executor: str) -> None:
    stop = threading.Event()
    busy = threading.Event()
    weekly = next(s for s in schedules if s.cycle == "weekly")
    current: dict[str, Any] = {}  # the cycle under way: name, as_of

    def on_signal(_signum: int, _frame: Any) -> None:
        if busy.is_set() and stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        if busy.is_set():
            err_console.print("收到停止信号：本轮结束后停止（再按一次 Ctrl-C 立即中止）")

    def cycle(name: str, as_of: datetime) -> None:
        current.update(name=name, as_of=as_of)  # before busy: a second Ctrl-C reads it
        busy.set()
        try:
            _one_cycle(eng, cfg, name, as_of, system, channels, executor, weekly, once=False)
        finally:
            busy.clear()

    def announce(name: str, when: datetime) -> None:
        console.print(f"下次：{rules()['cycles'][name]} {_when(when)}", highlight=False)

    def resume_at_start() -> None:
        now = _now()
        try:
            pending, why = _interrupted(eng, weekly,
                                        load_system(system, frozenset(check_table())).id, now)
        except CYCLE_ERRORS as exc:
            _failed("weekly", _reason(exc))
            return
        if pending is not None and not why:
            console.print(f"运行 {pending.id} 是本周期中断的每周全面检查：现在续跑",
                          highlight=False)
            cycle("weekly", now)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        plan = "；".join(f"{rules()['cycles'][s.cycle]}“{s.cron}”" for s in schedules)
        console.print(f"监测已启动（北京时间）：{plan}；按 Ctrl-C 停止", highlight=False)
        resume_at_start()
        run_schedule(schedules, cycle, clock=lambda: datetime.now(CHINA_TZ),
                     wait=lambda s: stop.wait(min(s, WAIT_SLICE_S)), announce=announce)
    except KeyboardInterrupt:
        err_console.print("监测已中止：" + _aborted(current["name"], current["as_of"], weekly,
                                                   "再次启动 govmedia monitor"), highlight=False)
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
                                    schedules[1], once=True, fixed_as_of=as_of is not None)
            except KeyboardInterrupt:
                err_console.print("已中止：" + _aborted(once, when, schedules[1],
                                                     "再次运行 govmedia monitor --once weekly"),
                                  highlight=False)
                raise typer.Exit(130) from None
    except LockHeld:
        fail("另一个 govmedia monitor 正在使用这个数据库（同时运行会重复发送预警）：请等它结束，"
             "或先停止它")
    raise typer.Exit(1 if report is None or report.failed else 0)
