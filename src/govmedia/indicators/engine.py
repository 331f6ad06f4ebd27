"""Indicator systems (YAML data) and the scoring engine that turns check results into verdicts.

A system lists vetoes (单项否决: any veto finding fails the account), warnings (shown, not
scored) and deductions (points off a total). A veto check that could not run makes the
verdict 未能检查, never 合格. Systems may `extends:` another and change its parameters.
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
    mode: str  # pass_fail | points
    vetoes: tuple[Veto, ...]
    warnings: tuple[str, ...] = ()
    deductions: tuple[Deduction, ...] = ()
    total: float = 100.0
    pass_score: float | None = None
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def check_ids(self) -> tuple[str, ...]:
        """Return every check this system needs, in a stable order."""
        ids = [c for v in self.vetoes for c in v.checks]
        ids += list(self.warnings) + [d.check for d in self.deductions]
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
                f"unknown indicator system '{name_or_path}' "
                f"(built-in: {', '.join(builtin_systems())}; or give a .yaml file)"
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
    out = {**base, **{k: v for k, v in child.items() if k != "params"}}
    params = {k: dict(v) for k, v in (base.get("params") or {}).items()}
    for check, values in (child.get("params") or {}).items():
        params.setdefault(check, {}).update(values or {})
    out["params"] = params
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
    if mode not in ("pass_fail", "points"):
        raise ProfileError(f"{origin}: mode must be pass_fail or points, not {mode!r}")
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
    return IndicatorSystem(
        id=str(need("id")), name=str(need("name")), mode=mode, vetoes=vetoes,
        warnings=tuple(known_check(c, "warnings") for c in data.get("warnings") or ()),
        deductions=tuple(deductions), total=float(data.get("total", 100)),
        pass_score=data.get("pass_score"), params=params,
    )


def score_account(system: IndicatorSystem, results: Iterable[CheckResult]) -> AccountScore:
    """Return the verdict, veto flag, points and reasons of one account under a system."""
    by_id = {r.check: r for r in results}
    reasons: list[str] = []
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
        # A veto none of whose checks could run is unknown; one judged by some of its checks
        # counts as judged, and the checks that could not run are named (never hidden).
        if missing and len(missing) == len(veto.checks):
            unknown.append(f"{veto.name}：未能检查（{'；'.join(missing)}）")
        elif missing:
            partial.append(f"{veto.name}：部分未能检查（{'；'.join(missing)}）")
    score = None
    if system.mode == "points":
        lost = 0.0
        for d in system.deductions:
            res = by_id.get(d.check)
            if res is not None and res.status == "fail":
                points = d.points * len(res.findings)
                lost += min(points, d.cap) if d.cap is not None else points
                reasons.append(f"扣{points:g}分：" + "；".join(f.message for f in res.findings))
        score = max(system.total - lost, 0.0)
    if vetoed:
        return AccountScore(FAIL, True, score, tuple(reasons))
    if unknown:
        return AccountScore(UNKNOWN, False, score, tuple(unknown + reasons + partial))
    reasons += partial
    if score is not None and system.pass_score is not None and score < system.pass_score:
        return AccountScore(FAIL, False, score, tuple(reasons + [f"得分低于{system.pass_score}分"]))
    return AccountScore(PASS, False, score, tuple(reasons))
