"""The evidence archive: one WARC file per run under data_dir, indexed in the database."""

from __future__ import annotations

import gzip
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from govmedia.artifacts import CHINA_TZ
from govmedia.store.archive import Archive, index_records, read_record, run_warc_path
from govmedia.store.db import open_db
from govmedia.store.models import EvidenceRow, RunRow

WHEN = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
PAGE = "<html><head><title>厅长信箱</title></head><body>请留言</body></html>".encode()


def write(archive: Archive, url: str, body: bytes = PAGE, **kw) -> str:
    return archive.write_exchange(
        url=url, method="GET", request_headers=[("user-agent", "govmedia-test")], status=200,
        reason="OK", response_headers=[("content-type", "text/html; charset=utf-8"),
                                       ("content-encoding", "gzip")],
        body=body, fetched_at=WHEN, **kw)


def responses(path) -> list[tuple[str, bytes]]:
    with open(path, "rb") as fh:
        return [(r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                for r in ArchiveIterator(fh) if r.rec_type == "response"]


def make_run(engine) -> int:
    with Session(engine) as s, s.begin():
        run = RunRow(started_at=WHEN, finished_at=None, as_of=WHEN, indicator_system="t",
                     status="running", account_ids=[])
        s.add(run)
        s.flush()
        return run.id


def test_run_archive_is_written_under_data_dir_and_indexed(tmp_path):
    engine = open_db(f"sqlite:///{tmp_path}/g.db")
    run_id = make_run(engine)
    data_dir = tmp_path / "data"
    with Archive.for_run(data_dir, run_id) as archive:
        first = write(archive, "http://gov.example.cn/xx/mailbox.html")
        second = write(archive, "http://gov.example.cn/big.html", body=b"x" * 100, truncated=True)
        entries = archive.drain()
        assert archive.drain() == []
    path = run_warc_path(data_dir, run_id)
    assert path == data_dir / "runs" / str(run_id) / "pages.warc.gz" and path.exists()
    with open(path, "rb") as fh:
        kinds = [r.rec_type for r in ArchiveIterator(fh)]
    assert kinds == ["warcinfo", "response", "request", "response", "request"]
    assert responses(path) == [("http://gov.example.cn/xx/mailbox.html", PAGE),
                               ("http://gov.example.cn/big.html", b"x" * 100)]

    assert index_records(engine, run_id, entries) == 2
    with Session(engine) as s:
        rows = s.scalars(select(EvidenceRow).order_by(EvidenceRow.id)).all()
    assert [r.record_id for r in rows] == [first, second]
    assert rows[0].warc_file == f"runs/{run_id}/pages.warc.gz"
    assert rows[0].status == 200 and len(rows[0].sha256) == 64

    got = read_record(data_dir / rows[0].warc_file, first, rows[0].offset)
    assert got is not None and got.body == PAGE and got.status == 200
    assert got.url == "http://gov.example.cn/xx/mailbox.html"
    assert got.headers["content-type"].startswith("text/html")
    assert "content-encoding" not in got.headers  # the stored body is decoded
    assert got.headers["content-length"] == str(len(PAGE))
    cut = read_record(path, second)  # without the offset: scanned
    assert cut is not None and cut.body == b"x" * 100
    assert read_record(path, "<urn:uuid:not-there>") is None
    assert read_record(path, second, rows[0].offset) is None  # offset of another record


def test_half_written_record_does_not_corrupt_earlier_ones(tmp_path):
    path = tmp_path / "runs" / "1" / "pages.warc.gz"
    with Archive(path) as archive:
        kept = write(archive, "http://gov.example.cn/a.html")
        offset = archive.drain()[0].offset
    good_size = path.stat().st_size
    # A crash in the middle of the next record: half a gzip member at the end of the file.
    member = gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n" + b"y" * 4000)
    with open(path, "ab") as fh:
        fh.write(member[: len(member) // 2])

    assert read_record(path, kept, offset).body == PAGE  # readable by offset as it is

    with Archive(path) as archive:  # the resumed run cuts the damaged tail, then appends
        assert path.stat().st_size == good_size
        later = write(archive, "http://gov.example.cn/b.html")
    assert responses(path) == [("http://gov.example.cn/a.html", PAGE),
                               ("http://gov.example.cn/b.html", PAGE)]
    assert read_record(path, later).body == PAGE
    with open(path, "rb") as fh:
        assert sum(r.rec_type == "warcinfo" for r in ArchiveIterator(fh)) == 1


def test_records_are_on_disk_as_soon_as_written(tmp_path):
    path = tmp_path / "w.warc.gz"
    archive = Archive(path)
    rid = write(archive, "http://gov.example.cn/c.html")
    # Not closed: a crash now must not lose the record the index may already name.
    assert read_record(path, rid) is not None
    archive.close()
