"""The inspect run fetches each account's linked pages through one downloader and archives them.

Runs inspect_accounts on the demo sandbox world: the stored artifacts carry the linked pages,
every page that got a response names a WARC record, the run's WARC file sits under data_dir,
and the database index points at each record (read back by offset).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from govmedia.artifacts import CHINA_TZ
from govmedia.run.inspect import inspect_accounts
from govmedia.sandbox import load_world, registry_rows, run_world
from govmedia.settings import Settings
from govmedia.store.accounts import list_accounts, upsert_accounts
from govmedia.store.archive import read_record, run_warc_path
from govmedia.store.db import open_db
from govmedia.store.models import ArtifactRow, EvidenceRow

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def inspected(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inspect")
    db = f"sqlite:///{tmp}/g.db"
    engine = open_db(db)
    world = load_world(AS_OF, "demo")
    with run_world(world):
        upsert_accounts(engine, registry_rows(world))
        settings = Settings(db=db, wechat_api_base=world.base_url, data_dir=str(tmp / "data"),
                            http_timeout=5.0)
        result = inspect_accounts(engine, settings, list_accounts(engine), "gb-2019-19", AS_OF)
    return engine, tmp / "data", result


def test_linked_pages_are_collected_and_archived(inspected):
    engine, data_dir, result = inspected
    run_id = result["run_id"]
    assert run_warc_path(data_dir, run_id).exists()
    with Session(engine) as s:
        payloads = [r.payload for r in s.scalars(select(ArtifactRow).where(
            ArtifactRow.run_id == run_id, ArtifactRow.kind == "account"))]
        index = {r.record_id: r for r in s.scalars(select(EvidenceRow).where(
            EvidenceRow.run_id == run_id))}
    pages = [p for payload in payloads for p in payload["pages"]]
    assert len(pages) >= 10, "the demo world's menus link to web pages"
    answered = [p for p in pages if p["status"] is not None]
    assert answered and all(p["warc_record_id"] in index for p in answered)
    sample = index[answered[0]["warc_record_id"]]
    assert sample.warc_file == f"runs/{run_id}/pages.warc.gz"
    record = read_record(data_dir / sample.warc_file, sample.record_id, sample.offset)
    assert record is not None and record.status == answered[0]["status"]
    assert record.url in (answered[0]["final_url"], answered[0]["url"])


def test_link_findings_name_their_archive_record(inspected):
    engine, _data_dir, result = inspected
    findings = [f for a in result["accounts"] for f in a["findings"]
                if f["check"].startswith("link.") and f["evidence"].get("status") is not None]
    assert findings, "the demo world has broken links"
    with Session(engine) as s:
        ids = set(s.scalars(select(EvidenceRow.record_id)))
    assert all(f["evidence"]["warc_record_id"] in ids for f in findings)
