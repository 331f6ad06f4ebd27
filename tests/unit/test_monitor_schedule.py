"""The monitor's schedule: cron parsing and the loop, driven by a fake clock (no real waiting)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from govmedia.artifacts import CHINA_TZ
from govmedia.monitor.schedule import (
    Schedule,
    ScheduleError,
    next_due,
    parse_schedule,
    run_schedule,
    same_period,
)

FRIDAY_NOON = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
DAILY = Schedule("daily", "30 8 * * *")
WEEKLY = Schedule("weekly", "0 2 * * 1")


class FakeClock:
    """A clock that moves only when the loop waits or a cycle takes time."""

    def __init__(self, start: datetime, stop_after: int) -> None:
        self.now = start
        self.ran: list[tuple[str, datetime]] = []
        self.waits: list[float] = []
        self.stop_after = stop_after
        self.cycle_takes = timedelta(0)

    def clock(self) -> datetime:
        return self.now

    def wait(self, seconds: float) -> bool:
        if len(self.ran) >= self.stop_after:
            return True  # a stop was requested
        self.waits.append(seconds)
        self.now += timedelta(seconds=seconds)
        return False

    def run(self, cycle: str, as_of: datetime) -> None:
        self.ran.append((cycle, as_of))
        self.now += self.cycle_takes


def _at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CHINA_TZ)


@pytest.mark.parametrize(("expr", "error"), [
    ("30 8 * *", "5 段"),
    ("61 8 * * *", "不是有效的 cron"),
    ("30 8 * * mon-xyz", "不是有效的 cron"),
    ("@daily", "5 段"),
])
def test_bad_cron_is_a_clear_error(expr, error):
    with pytest.raises(ScheduleError, match=error) as info:
        parse_schedule("daily", expr, "monitor_daily")
    assert "monitor_daily" in str(info.value)


def test_parse_normalises_spaces():
    assert parse_schedule("weekly", " 0  2 * *  1 ", "monitor_weekly") == WEEKLY


def test_next_due_and_same_minute_priority():
    assert next_due([DAILY, WEEKLY], FRIDAY_NOON) == (_at(21, 8, 30), "daily")
    assert next_due([DAILY, WEEKLY], _at(22, 9, 0)) == (_at(23, 2, 0), "weekly")
    both = [Schedule("daily", "0 2 * * *"), WEEKLY]
    assert next_due(both, _at(22, 3, 0)) == (_at(23, 2, 0), "weekly")  # Monday: weekly only
    assert next_due(both, _at(23, 3, 0)) == (_at(24, 2, 0), "daily")


def test_loop_runs_cycles_at_their_times_then_stops():
    fake = FakeClock(FRIDAY_NOON, stop_after=4)
    announced: list[tuple[str, datetime]] = []
    run_schedule([DAILY, WEEKLY], fake.run, clock=fake.clock, wait=fake.wait,
                 announce=lambda c, w: announced.append((c, w)))
    assert fake.ran == [("daily", _at(21, 8, 30)), ("daily", _at(22, 8, 30)),
                        ("weekly", _at(23, 2, 0)), ("daily", _at(23, 8, 30))]
    assert announced[:4] == fake.ran
    assert fake.waits[0] == (_at(21, 8, 30) - FRIDAY_NOON).total_seconds()


def test_fire_times_missed_during_a_long_cycle_give_one_cycle_not_a_burst():
    fake = FakeClock(FRIDAY_NOON, stop_after=3)
    fake.cycle_takes = timedelta(days=2, hours=1)  # each cycle overruns two fire times
    run_schedule([DAILY, WEEKLY], fake.run, clock=fake.clock, wait=fake.wait)
    # 22 08:30 (daily) and 23 02:00 (weekly) passed during the first cycle: one weekly at
    # once; 24 08:30 passed during that one: one daily at once.
    assert fake.ran == [("daily", _at(21, 8, 30)), ("weekly", _at(23, 9, 30)),
                        ("daily", _at(25, 10, 30))]


def test_stop_while_waiting_runs_nothing():
    fake = FakeClock(FRIDAY_NOON, stop_after=0)
    run_schedule([DAILY, WEEKLY], fake.run, clock=fake.clock, wait=fake.wait)
    assert fake.ran == []


def test_a_wait_that_wakes_early_waits_again():
    fake = FakeClock(FRIDAY_NOON, stop_after=1)

    def short_wait(seconds: float) -> bool:
        return fake.wait(min(seconds, 3600.0))  # like the CLI, which re-reads the clock hourly

    run_schedule([DAILY], fake.run, clock=fake.clock, wait=short_wait)
    assert fake.ran == [("daily", _at(21, 8, 30))]
    assert [w for w in fake.waits if w] == [3600.0] * 20 + [1800.0]  # 20 h 30 min in slices


@pytest.mark.parametrize(("earlier", "now", "same"), [
    (_at(23, 2, 0), _at(23, 9, 0), True),  # the weekly cycle's own fire time
    (_at(23, 2, 5), _at(29, 23, 59), True),  # Sunday: the schedule has not fired again
    (_at(23, 2, 5), _at(30, 2, 0), False),  # the next Monday 02:00: a new period
    (_at(22, 12, 0), _at(23, 9, 0), False),  # Sunday's run, seen after Monday 02:00
    (_at(23, 9, 0), _at(23, 8, 0), False),  # not before now
])
def test_same_period(earlier, now, same):
    assert same_period(WEEKLY, earlier, now) is same
