"""The monitor's schedule: cron expressions (Beijing time) and the loop that runs cycles on time.

croniter computes the next time a 5-field cron expression fires; everything else is this small
loop, which takes its clock and its wait as arguments so that tests drive it with a fake clock
(no test waits for real time to pass). Fire times that pass while a cycle runs give one
catch-up cycle, not a burst of them. When both cycles fire at the same minute (or are both
missed) only the weekly one runs, since it includes the daily freshness checks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from croniter import CroniterError, croniter

from govmedia.artifacts import CHINA_TZ

PRIORITY = ("weekly", "daily")  # at the same minute, the first of these runs


class ScheduleError(ValueError):
    """A cron expression in the settings is invalid (a user error)."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """When one kind of cycle runs: its name and a 5-field cron expression."""

    cycle: str
    cron: str


def parse_schedule(cycle: str, expr: str, setting: str) -> Schedule:
    """Return the schedule of a cycle; raise ScheduleError naming the setting when invalid."""
    text = " ".join(expr.split())
    if len(text.split()) != 5:
        raise ScheduleError(f"{setting} 应为 5 段 cron 表达式（分 时 日 月 周），例如 "
                            f"“30 8 * * *”，而不是 {expr!r}")
    try:
        croniter(text, datetime(2026, 1, 1, tzinfo=CHINA_TZ))
    except (CroniterError, ValueError) as exc:
        raise ScheduleError(f"{setting} 不是有效的 cron 表达式：{expr!r}（{exc}）") from None
    return Schedule(cycle, text)


def next_fire(schedule: Schedule, after: datetime) -> datetime:
    """Return the first time after `after` (exclusive) at which the schedule fires."""
    start = after.astimezone(CHINA_TZ)
    return croniter(schedule.cron, start).get_next(datetime).astimezone(CHINA_TZ)


def same_period(schedule: Schedule, earlier: datetime, now: datetime) -> bool:
    """Return whether earlier lies in now's period of the schedule: at or after the last fire
    time up to now (the schedule has not fired in (earlier, now])."""
    return earlier <= now and next_fire(schedule, earlier) > now


def next_due(schedules: Sequence[Schedule], after: datetime) -> tuple[datetime, str]:
    """Return the next fire time of any schedule and the cycle that runs then."""
    times = [(next_fire(s, after), PRIORITY.index(s.cycle), s.cycle) for s in schedules]
    when, _, cycle = min(times)
    return when, cycle


def _missed(schedules: Sequence[Schedule], after: datetime, now: datetime) -> str:
    """Return the cycle to run for fire times missed in (after, now]: weekly if it was one."""
    missed = {s.cycle for s in schedules if next_fire(s, after) <= now}
    return next(c for c in PRIORITY if c in missed)


def run_schedule(schedules: Sequence[Schedule], run_cycle: Callable[[str, datetime], None], *,
                 clock: Callable[[], datetime], wait: Callable[[float], bool],
                 announce: Callable[[str, datetime], None] | None = None) -> None:
    """Run cycles at their fire times until wait() says stop (returns True).

    run_cycle(cycle, as_of) runs one cycle, as_of being the clock at its start; wait(seconds)
    sleeps up to that long and returns True as soon as a stop is requested; announce(cycle,
    when) is told each next fire time before the wait. Fire times that pass while a cycle
    runs are not run one by one afterwards: they give one cycle at once (the weekly one if
    it was among them), and the schedule goes on from there.
    """
    after = clock()
    while True:
        when, cycle = next_due(schedules, after)
        if when <= clock():
            cycle = _missed(schedules, after, clock())
        else:
            if announce is not None:
                announce(cycle, when)
            while (left := (when - clock()).total_seconds()) > 0:
                if wait(left):
                    return
        if wait(0):  # a stop asked for during the last cycle
            return
        after = clock()
        run_cycle(cycle, after.replace(microsecond=0))
