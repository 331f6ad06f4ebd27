"""store/reviews.py on SQLite and PostgreSQL: review state, audit trail, re-scoring; users on PG."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from govmedia.artifacts import CHINA_TZ, AccountArtifacts, AccountInfo, to_jsonable
from govmedia.store.db import open_db
from govmedia.store.models import (
    AccountRow,
    ArtifactRow,
    CheckResultRow,
    FindingRow,
    ReviewRow,
    RunRow,
    ScoreRow,
)
from govmedia.store.reviews import FindingNotFound, ReviewError, review_finding, review_history
from govmedia.store.users import add_user, check_login, session_user, start_session

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)


def stored_run(engine) -> tuple[int, int]:
    """Store a run of one account vetoed by an unreviewed interaction candidate only."""
    art = AccountArtifacts(AccountInfo("青禾交通", "青禾省交通运输厅", "provincial_dept"), AS_OF)
    with Session(engine) as s, s.begin():
        acc = AccountRow(name="青禾交通", owner="青禾省交通运输厅", category="provincial_dept")
        s.add(acc)
        s.flush()
        run = RunRow(started_at=AS_OF, finished_at=AS_OF, as_of=AS_OF, status="complete",
                     indicator_system="gb-2019-19", account_ids=[acc.id])
        s.add(run)
        s.flush()
        s.add(ArtifactRow(run_id=run.id, account_id=acc.id, kind="account", source="collect",
                          fetched_at=AS_OF, payload=to_jsonable(art)))
        for check, status in (("freshness.no_update_2w", "ok"), ("wording.serious_error", "ok"),
                              ("security.hacked_content", "ok"),
                              ("interaction.no_channel", "fail")):
            s.add(CheckResultRow(run_id=run.id, account_id=acc.id, check=check, status=status))
        finding = FindingRow(run_id=run.id, account_id=acc.id, check="interaction.no_channel",
                             severity="veto", message="未提供有效互动功能",
                             evidence={"provisional": True})
        s.add(finding)
        s.add(ScoreRow(run_id=run.id, account_id=acc.id, system="gb-2019-19", verdict="不合格",
                       vetoed=True, score=None, reasons=["互动回应差"]))
        s.flush()
        return run.id, finding.id


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        return open_db(f"sqlite:///{tmp_path}/r.db")
    return open_db(request.getfixturevalue("pg_url"))


def verdict(engine, run_id: int) -> str:
    with Session(engine) as s:
        return s.scalar(select(ScoreRow.verdict).where(ScoreRow.run_id == run_id))


def test_dismiss_confirm_reopen_with_audit_trail(engine):
    run_id, fid = stored_run(engine)
    out = review_finding(engine, fid, "dismiss", "留言页人工测试可用", "li", AS_OF,
                         expect="machine")
    assert (out.before, out.after) == ("machine", "dismissed")
    assert out.verdicts == {"gb-2019-19": ("不合格", "合格")} and verdict(engine, run_id) == "合格"
    out = review_finding(engine, fid, "confirm", "复查：留言页无法提交", "wang", AS_OF)
    assert out.verdicts == {"gb-2019-19": ("合格", "不合格")}
    with pytest.raises(ReviewError, match="他人"):
        review_finding(engine, fid, "reopen", "x", "li", AS_OF, expect="dismissed")
    with pytest.raises(ReviewError, match="已是"):
        review_finding(engine, fid, "confirm", "again", "li", AS_OF)
    with pytest.raises(ReviewError, match="理由"):
        review_finding(engine, fid, "reopen", "  ", "li", AS_OF)
    with pytest.raises(FindingNotFound):
        review_finding(engine, fid + 100, "confirm", "x", "li", AS_OF)
    trail = review_history(engine, run_id=run_id)
    assert [(t["user"], t["action"], t["before"], t["after"]) for t in trail] == [
        ("wang", "confirm", "dismissed", "confirmed"), ("li", "dismiss", "machine", "dismissed")]
    assert trail[1]["verdicts"] == {"gb-2019-19": ["不合格", "合格"]}
    assert trail[1]["reason"] == "留言页人工测试可用" and trail[1]["account"] == "青禾交通"
    assert trail[0]["at"].tzinfo is not None
    with Session(engine) as s:
        assert s.scalar(select(FindingRow.review).where(FindingRow.id == fid)) == "confirmed"
        assert len(s.scalars(select(ReviewRow)).all()) == 2


def test_review_required_rescore(engine):
    run_id, fid = stored_run(engine)
    out = review_finding(engine, fid, "confirm", "确认", "li", AS_OF, review_required=True)
    assert out.verdicts == {"gb-2019-19": ("不合格", "不合格")}
    out = review_finding(engine, fid, "reopen", "撤回", "li", AS_OF, review_required=True)
    assert out.verdicts == {"gb-2019-19": ("不合格", "合格")}  # a candidate does not count yet


def test_users_and_sessions(engine):
    user = add_user(engine, "li", "owner", "a fine password", AS_OF, owner_unit="青禾省交通运输厅")
    assert check_login(engine, "li", "a fine password", "10.0.0.1", AS_OF, 5) == user
    token, csrf = start_session(engine, user, AS_OF, 1)
    assert session_user(engine, token, AS_OF) == (user, csrf)
