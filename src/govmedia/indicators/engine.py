"""Indicator systems (YAML data) and the scoring engine that turns check results into verdicts.

A system lists vetoes (单项否决: any veto finding fails the account), warnings (shown, not
scored) and either deductions (points off a total, mode `points`) or weighted evaluation areas
(mode `areas`, see areas.py). A veto check that could not run makes the verdict 未能检查, never
合格, and a veto beats any score. Systems may `extends:` another: the child changes its
parameters and weights, and adds deductions. Every score comes with its explanation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from govmedia.findings import CheckResult
from govmedia.indicators.areas import Area, Bonus, parse_areas, parse_rule, score_areas, score_bonus
from govmedia.indicators.metrics import METRICS

PASS, FAIL, UNKNOWN = "合格", "不合格", "未能检查"


class ProfileError(ValueError):
    """An indicator system file is missing or invalid (a user error)."""


@dataclass(frozen=True, slots=True)
class Veto:
    id: str
    name: str
    checks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Deduction:
    check: str
    points: float
    cap: float | None = None


@dataclass(frozen=True, slots=True)
class IndicatorSystem:
    id: str
    name: str
    mode: str  # pass_fail | points | areas
    vetoes: tuple[Veto, ...]
    warnings: tuple[str, ...] = ()
    deductions: tuple[Deduction, ...] = ()
    total: float = 100.0
    pass_score: float | None = None
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    areas: tuple[Area, ...] = ()
    bonus: Bonus | None = None
    # 表现较好: no veto and score >= min_score, or within the top share of the category
    excellent: Mapping[str, float] = field(default_factory=dict)
    min_coverage: float = 0.5  # share of the area weights that must be judged for a score
    pending: frozenset[str] = frozenset()  # named checks this version does not implement yet

    @property
    def check_ids(self) -> tuple[str, ...]:
        """Return every implemented check this system needs, in a stable order."""
        ids = [c for v in self.vetoes for c in v.checks]
        ids += list(self.warnings) + [d.check for d in self.deductions]
        rules = [r for a in self.areas for i in a.indicators for r in i.rules]
        rules += list(self.bonus.rules) if self.bonus else []
        ids += [r.source for r in rules if not r.metric and r.source not in self.pending]
        return tuple(dict.fromkeys(ids))

    @property
    def uncovered_vetoes(self) -> tuple[Veto, ...]:
        """Return the vetoes that no implemented check feeds yet."""
        return tuple(v for v in self.vetoes if not v.checks)


@dataclass(frozen=True, slots=True)
class AccountScore:
    verdict: str
    vetoed: bool
    score: float | None
    reasons: tuple[str, ...]
    # (area, indicator, source check or metric, points moved, effect on the total, messages)
    explanation: tuple[dict[str, Any], ...] = ()
    areas: tuple[dict[str, Any], ...] = ()  # mode areas: score per area
    coverage: float | None = None  # mode areas: share of the weights that could be judged


def builtin_systems() -> list[str]:
    """Return the ids of the indicator systems shipped with govmedia."""
    folder = resources.files("govmedia.indicators") / "profiles"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir()
                  if p.name.endswith(".yaml"))


def _read(name_or_path: str) -> tuple[dict[str, Any], str]:
    path = Path(name_or_path)
    if name_or_path.endswith((".yaml", ".yml")) and path.exists():
        text, origin = path.read_text(encoding="utf-8"), str(path)
    else:
        res = resources.files("govmedia.indicators") / "profiles" / f"{name_or_path}.yaml"
        if not res.is_file():
            raise ProfileError(
                f"未知的指标体系 {name_or_path!r}（内置：{'、'.join(builtin_systems())}；"
                f"或给出 .yaml 文件的路径）"
            )
        text, origin = res.read_text(encoding="utf-8"), f"{name_or_path}.yaml"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{origin}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{origin}: expected a mapping at the top level")
    return data, origin


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Return child over base: params per check, weights and excellent per key, deductions
    added (a child's deduction for the same check replaces the parent's)."""
    nested = ("params", "weights", "excellent", "deductions")
    out = {**base, **{k: v for k, v in child.items() if k not in nested}}
    params = {k: dict(v) for k, v in (base.get("params") or {}).items()}
    for check, values in (child.get("params") or {}).items():
        params.setdefault(check, {}).update(values or {})
    out["params"] = params
    for key in ("weights", "excellent"):
        out[key] = {**(base.get(key) or {}), **(child.get(key) or {})}
    by_check: dict[Any, Any] = {}
    for d in [*(base.get("deductions") or ()), *(child.get("deductions") or ())]:
        by_check[d.get("check") if isinstance(d, dict) else id(d)] = d
    out["deductions"] = list(by_check.values())
    return out


@cache
def load_system(name_or_path: str, known_checks: frozenset[str]) -> IndicatorSystem:
    """Return the validated indicator system by built-in id or YAML path."""
    data, origin = _read(name_or_path)
    seen = {origin}
    while "extends" in data:
        parent, parent_origin = _read(str(data.pop("extends")))
        if parent_origin in seen:
            raise ProfileError(f"{origin}: 'extends' forms a loop")
        seen.add(parent_origin)
        data = _merge(parent, data)
    return _build(data, origin, known_checks)


def _build(data: dict[str, Any], origin: str, known: frozenset[str]) -> IndicatorSystem:
    def need(key: str) -> Any:
        if key not in data:
            raise ProfileError(f"{origin}: missing '{key}'")
        return data[key]

    def known_check(check: str, where: str) -> str:
        if check not in known:
            raise ProfileError(f"{origin}: {where} names unknown check '{check}'")
        return check

    mode = need("mode")
    if mode not in ("pass_fail", "points", "areas"):
        raise ProfileError(f"{origin}: mode must be pass_fail, points or areas, not {mode!r}")
    vetoes = tuple(
        Veto(v["id"], v.get("name", v["id"]),
             tuple(known_check(c, f"veto '{v['id']}'") for c in v.get("checks") or ()))
        for v in need("vetoes") or ()
    )
    deductions = []
    for d in data.get("deductions") or ():
        if "check" not in d or "points" not in d:
            raise ProfileError(f"{origin}: a deduction needs 'check' and 'points': {d}")
        deductions.append(Deduction(known_check(d["check"], "a deduction"),
                                    float(d["points"]), d.get("cap")))
    params = data.get("params") or {}
    for check in params:
        known_check(check, "params")
    areas, bonus, pending = _build_areas(data, origin, known) if mode == "areas" else ((), None,
                                                                                       frozenset())
    extra = set(data.get("excellent") or {}) - {"min_score", "top_share"}
    if extra:
        raise ProfileError(f"{origin}: 'excellent' takes min_score and top_share, "
                           f"not {sorted(extra)}")
    return IndicatorSystem(
        id=str(need("id")), name=str(need("name")), mode=mode, vetoes=vetoes,
        warnings=tuple(known_check(c, "warnings") for c in data.get("warnings") or ()),
        deductions=tuple(deductions), total=float(data.get("total", 100)),
        pass_score=data.get("pass_score"), params=params, areas=areas, bonus=bonus,
        excellent={k: float(v) for k, v in (data.get("excellent") or {}).items()
                   if v is not None},
        min_coverage=float(data.get("min_coverage", 0.5)), pending=pending,
    )


def _build_areas(data: dict[str, Any], origin: str,
                 known: frozenset[str]) -> tuple[tuple[Area, ...], Bonus | None, frozenset[str]]:
    """Return the areas, the bonus and the pending (not yet implemented) checks of a system."""
    try:
        areas = parse_areas(data.get("areas"), data.get("weights") or {}, origin, METRICS)
        raw_bonus = data.get("bonus")
        bonus = None
        if raw_bonus:
            bonus = Bonus(float(raw_bonus.get("max", 0)),
                          tuple(parse_rule(r, origin, "bonus", METRICS)
                                for r in raw_bonus.get("credit") or ()))
    except (ValueError, TypeError, AttributeError) as exc:
        msg = str(exc)
        raise ProfileError(msg if msg.startswith(origin) else f"{origin}: {msg}") from None
    # Checks a later version adds (e.g. the mobile checks) may be named in advance under
    # pending_checks; their indicators are 未能检查 until they exist. Any other unknown
    # check is a typo and an error.
    declared = frozenset(data.get("pending_checks") or ())
    rules = [r for a in areas for i in a.indicators for r in i.rules]
    rules += list(bonus.rules) if bonus else []
    for r in rules:
        if not r.metric and r.source not in known and r.source not in declared:
            raise ProfileError(f"{origin}: an indicator names unknown check '{r.source}'")
    return areas, bonus, frozenset(c for c in declared if c not in known)


def score_account(system: IndicatorSystem, results: Iterable[CheckResult],
                  metrics: Mapping[str, Any] | None = None) -> AccountScore:
    """Return the verdict, veto flag, points, reasons and explanation of one account.

    metrics: the account's content metrics (indicators/metrics.py) for mode areas; None when
    they could not be computed, which leaves the metric indicators 未能检查.
    """
    by_id = {r.check: r for r in results}
    reasons: list[str] = []
    explanation: list[dict[str, Any]] = []
    vetoed, unknown, partial = False, [], []
    for veto in system.vetoes:
        missing = []
        for check in veto.checks:
            res = by_id.get(check)
            if res is None or res.status == "not_checked":
                missing.append(res.reason if res else f"{check} 未执行")
            elif any(f.severity == "veto" for f in res.findings):
                vetoed = True
                reasons += [f"{veto.name}：{f.message}" for f in res.findings]
                explanation.append({"area": "单项否决", "indicator": veto.name, "source": check,
                                    "points": None, "effect": None, "status": "veto",
                                    "messages": [f.message for f in res.findings]})
        # A veto none of whose checks could run is unknown; one judged by some of its checks
        # counts as judged, and the checks that could not run are named (never hidden).
        if missing and len(missing) == len(veto.checks):
            unknown.append(f"{veto.name}：未能检查（{'；'.join(missing)}）")
        elif missing:
            partial.append(f"{veto.name}：部分未能检查（{'；'.join(missing)}）")
    score, areas, coverage = None, (), None
    if system.mode == "points":
        score = _points(system, by_id, reasons, explanation)
    elif system.mode == "areas":
        score, area_rows, lines, coverage = score_areas(system.areas, by_id, metrics,
                                                        system.min_coverage)
        bonus, bonus_lines = score_bonus(system.bonus, by_id, metrics)
        areas, explanation = tuple(area_rows), explanation + lines + bonus_lines
        if score is None:
            reasons.append(f"可评估的指标不足（覆盖权重{coverage:.0%}，"
                           f"需至少{system.min_coverage:.0%}），不计总分")
        elif bonus:
            score = round(score + bonus, 2)
    done = {"explanation": tuple(explanation), "areas": areas, "coverage": coverage}
    if vetoed:
        return AccountScore(FAIL, True, score, tuple(reasons), **done)
    if unknown:
        return AccountScore(UNKNOWN, False, score, tuple(unknown + reasons + partial), **done)
    reasons += partial
    if score is not None and system.pass_score is not None and score < system.pass_score:
        return AccountScore(FAIL, False, score, tuple(reasons + [f"得分低于{system.pass_score}分"]),
                            **done)
    return AccountScore(PASS, False, score, tuple(reasons), **done)


def _points(system: IndicatorSystem, by_id: Mapping[str, CheckResult], reasons: list[str],
            explanation: list[dict[str, Any]]) -> float:
    lost = 0.0
    for d in system.deductions:
        res = by_id.get(d.check)
        if res is not None and res.status == "fail":
            points = d.points * len(res.findings)
            taken = min(points, d.cap) if d.cap is not None else points
            lost += taken
            reasons.append(f"扣{taken:g}分：" + "；".join(f.message for f in res.findings))
            explanation.append({"area": "扣分项", "indicator": d.check, "source": d.check,
                                "points": -taken, "effect": -taken, "status": "judged",
                                "messages": [f.message for f in res.findings]})
    return max(system.total - lost, 0.0)
