"""The `areas` mode of an indicator system: weighted evaluation areas (ccid-2024, seed 001).

Each area (日常运维, 信息公开, …) has a weight and indicators scored on the area's own
100-point scale. An indicator either starts full and loses points for findings (`deduct`) or
earns points for credited practices and content metrics (`credit`). An indicator none of
whose sources could be judged is left out of its area (never counted as 0 or as full), an
area with nothing judged is left out of the total, and the total is the weighted mean of the
judged areas on 100 points. Every point moved is explained: which area, indicator, check or
metric, how many points in the area and in the total, and the finding messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from govmedia.findings import CheckResult


@dataclass(frozen=True, slots=True)
class Rule:
    """One source of points: a check (`check`) or a content metric (`metric`)."""

    source: str  # check id, or metric name when metric is True
    points: float
    metric: bool = False
    cap: float | None = None  # deduct: most points this rule may take
    at_least: float | None = None  # metric: all points from this value on (step)
    full_at: float | None = None  # metric: points grow linearly up to this value

    @property
    def label(self) -> str:
        return f"metric:{self.source}" if self.metric else self.source


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    name: str
    max: float
    kind: str  # deduct | credit
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Area:
    id: str
    name: str
    weight: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True, slots=True)
class Bonus:
    """Credited good practices that add at most `max` points on top of the total."""

    max: float
    rules: tuple[Rule, ...]


def parse_rule(raw: Any, origin: str, where: str, metrics: frozenset[str]) -> Rule:
    if not isinstance(raw, dict) or "points" not in raw or ("check" in raw) == ("metric" in raw):
        raise ValueError(f"{origin}: {where}: a rule needs 'points' and one of 'check' or "
                         f"'metric': {raw}")
    if "metric" in raw:
        name = str(raw["metric"])
        if name not in metrics:
            raise ValueError(f"{origin}: {where} names unknown metric '{name}' "
                             f"(known: {', '.join(sorted(metrics))})")
        if (raw.get("at_least") is None) == (raw.get("full_at") is None):
            raise ValueError(f"{origin}: {where}: metric '{name}' needs one of 'at_least' "
                             "or 'full_at'")
        full_at = raw.get("full_at")
        if full_at is not None and float(full_at) <= 0:
            raise ValueError(f"{origin}: {where}: 'full_at' must be above 0")
        return Rule(name, float(raw["points"]), metric=True,
                    at_least=_num(raw.get("at_least")), full_at=_num(full_at))
    return Rule(str(raw["check"]), float(raw["points"]), cap=_num(raw.get("cap")))


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def parse_areas(raw_areas: Any, weights: Mapping[str, Any], origin: str,
                metrics: frozenset[str]) -> tuple[Area, ...]:
    """Return the areas of a system file, with `weights:` overrides applied."""
    if not isinstance(raw_areas, list) or not raw_areas:
        raise ValueError(f"{origin}: mode areas needs a non-empty list 'areas'")
    areas = []
    for a in raw_areas:
        if not isinstance(a, dict) or not {"id", "name", "weight"} <= a.keys():
            raise ValueError(f"{origin}: an area needs 'id', 'name' and 'weight': {a}")
        indicators = []
        for ind in a.get("indicators") or ():
            kinds = [k for k in ("deduct", "credit") if k in ind]
            if len(kinds) != 1 or "max" not in ind or "id" not in ind:
                raise ValueError(f"{origin}: indicator in area '{a['id']}' needs 'id', 'max' "
                                 f"and one of 'deduct' or 'credit': {ind}")
            where = f"indicator '{ind['id']}'"
            rules = tuple(parse_rule(r, origin, where, metrics) for r in ind[kinds[0]] or ())
            if kinds[0] == "deduct" and any(r.metric for r in rules):
                raise ValueError(f"{origin}: {where}: deductions take checks, not metrics")
            indicators.append(Indicator(str(ind["id"]), str(ind.get("name", ind["id"])),
                                        float(ind["max"]), kinds[0], rules))
        if not indicators:
            raise ValueError(f"{origin}: area '{a['id']}' has no indicators")
        areas.append(Area(str(a["id"]), str(a["name"]), float(a["weight"]), tuple(indicators)))
    ids = {a.id for a in areas}
    for key, value in weights.items():
        if key not in ids:
            raise ValueError(f"{origin}: 'weights' names unknown area '{key}'")
        if float(value) < 0:
            raise ValueError(f"{origin}: weight of '{key}' must not be negative")
    return tuple(Area(a.id, a.name, float(weights.get(a.id, a.weight)), a.indicators)
                 for a in areas)


# --- scoring ------------------------------------------------------------------------------


def _messages(res: CheckResult) -> list[str]:
    return [f.message for f in res.findings]


def _unjudged(res: CheckResult | None, rule: Rule, metrics: Mapping[str, Any] | None) -> str:
    """Return why a rule cannot be judged ('' when it can)."""
    if rule.metric:
        if metrics is None:
            return "未提供内容统计（菜单与文章未能评估）"
        return "" if metrics.get(rule.source) is not None else f"未能统计 {rule.source}"
    if res is None:
        return f"{rule.source} 未执行（本版本尚未实现或未运行）"
    if res.status == "not_checked":
        return res.reason or f"{rule.source} 未能检查"
    return ""


def _metric_points(rule: Rule, value: float) -> tuple[float, str]:
    if rule.at_least is not None:
        got = rule.points if value >= rule.at_least else 0.0
        return got, f"{rule.source} = {value:g}（达到 {rule.at_least:g} 得 {rule.points:g} 分）"
    share = min(max(value / rule.full_at, 0.0), 1.0)
    return rule.points * share, (f"{rule.source} = {value:g}（{rule.full_at:g} 及以上得满分 "
                                 f"{rule.points:g} 分）")


def score_indicator(ind: Indicator, by_id: Mapping[str, CheckResult],
                    metrics: Mapping[str, Any] | None) -> tuple[float | None, list[dict]]:
    """Return (points earned or None when unjudged, explanation lines without area/effect)."""
    lines: list[dict] = []
    judged = False
    moved = 0.0
    for rule in ind.rules:
        res = None if rule.metric else by_id.get(rule.source)
        why = _unjudged(res, rule, metrics)
        if why:
            lines.append({"source": rule.label, "points": 0.0, "status": "not_checked",
                          "messages": [f"未能检查：{why}"]})
            continue
        judged = True
        if rule.metric:
            got, text = _metric_points(rule, float(metrics[rule.source]))
            lines.append({"source": rule.label, "points": round(got, 2), "status": "judged",
                          "value": metrics[rule.source], "messages": [text]})
            moved += got
        elif ind.kind == "deduct":
            lost = rule.points * len(res.findings)
            lost = min(lost, rule.cap) if rule.cap is not None else lost
            if lost:
                lines.append({"source": rule.label, "points": -round(lost, 2),
                              "status": "judged", "messages": _messages(res)})
            moved -= lost
        elif res.findings:  # credit: the check credited a practice (info findings)
            lines.append({"source": rule.label, "points": rule.points, "status": "judged",
                          "messages": _messages(res)})
            moved += rule.points
    if not judged:
        return None, lines
    earned = max(ind.max + moved, 0.0) if ind.kind == "deduct" else min(moved, ind.max)
    return earned, lines


def score_areas(areas: tuple[Area, ...], by_id: Mapping[str, CheckResult],
                metrics: Mapping[str, Any] | None,
                min_coverage: float) -> tuple[float | None, list[dict], list[dict], float]:
    """Return (total on 100 or None, area summaries, explanation, coverage of the weights)."""
    summaries, explanation, parts = [], [], []
    for area in areas:
        earned = available = 0.0
        area_lines = []
        for ind in area.indicators:
            got, lines = score_indicator(ind, by_id, metrics)
            if got is not None:
                earned += got
                available += ind.max
            area_lines += [{"area": area.name, "indicator": ind.name, **ln} for ln in lines]
        fraction = earned / available if available else None
        summaries.append({"id": area.id, "area": area.name, "weight": area.weight,
                          "score": None if fraction is None else round(100 * fraction, 2),
                          "judged": fraction is not None})
        parts.append((area, fraction, available, area_lines))
    total_weight = sum(a.weight for a in areas)
    judged_weight = sum(a.weight for a, f, _, _ in parts if f is not None)
    coverage = judged_weight / total_weight if total_weight else 0.0
    for area, fraction, available, area_lines in parts:
        for ln in area_lines:
            # How much this line moved the total: its share of the area times the area's
            # share of the judged weights.
            effect = (100 * area.weight * ln["points"] / available / judged_weight
                      if fraction is not None and judged_weight else 0.0)
            explanation.append({**ln, "effect": round(effect, 2)})
    if not judged_weight or coverage < min_coverage:
        return None, summaries, explanation, coverage
    total = 100 * sum(a.weight * f for a, f, _, _ in parts if f is not None) / judged_weight
    return round(total, 2), summaries, explanation, coverage


def score_bonus(bonus: Bonus | None, by_id: Mapping[str, CheckResult],
                metrics: Mapping[str, Any] | None) -> tuple[float, list[dict]]:
    """Return the bounded bonus and its explanation (0 when the profile gives none)."""
    if bonus is None:
        return 0.0, []
    ind = Indicator("bonus", "亮点加分", bonus.max, "credit", bonus.rules)
    got, lines = score_indicator(ind, by_id, metrics)
    if bonus.max == 0:  # credited and listed as 亮点, no points
        return 0.0, [{"area": "亮点", "indicator": "亮点（不加分）", **ln, "points": 0.0,
                      "effect": 0.0} for ln in lines if ln["status"] == "judged"]
    raw = sum(ln["points"] for ln in lines)
    if raw > bonus.max:
        lines.append({"source": "cap", "points": -round(raw - bonus.max, 2), "status": "judged",
                      "messages": [f"亮点加分以 {bonus.max:g} 分为限"]})
    return (got or 0.0), [{"area": "亮点加分", "indicator": "亮点加分", **ln,
                           "effect": ln["points"]} for ln in lines]
