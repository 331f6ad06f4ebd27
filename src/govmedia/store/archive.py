"""The evidence archive: every fetched page as a WARC request + response pair, indexed in the DB.

One gzipped WARC file per run at <data_dir>/runs/<run_id>/pages.warc.gz (each record its own
gzip member, so a record can be read back by seeking to its offset). The database keeps the
index (table `evidence`): url, file, record id, offset, length, status, time and SHA-256 of the
body. A finding's evidence names the record id.

The body stored is the one the downloader read: content-decoded (gzip/deflate undone) and cut
at the size cap, so Content-Encoding / Transfer-Encoding are dropped from the stored headers,
Content-Length is set to the stored length, and a cut body carries `WARC-Truncated: length`.

Crash safety: each exchange is flushed to the file as soon as it is written, so the index
never names a record that is still in a buffer; a run resumed after a crash first cuts the
file back to the end of its last complete record, so a half-written record neither hides the
records before it nor breaks the ones appended after it.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine, insert
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from govmedia.store.models import EvidenceRow

WARC_NAME = "pages.warc.gz"
_DROP = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    """Where one archived response lives: the row the `evidence` table keeps."""

    url: str
    record_id: str
    warc_file: str
    offset: int
    length: int
    status: int | None
    fetched_at: datetime
    sha256: str


@dataclass(frozen=True, slots=True)
class ArchivedRecord:
    """One response read back from a WARC file."""

    record_id: str
    url: str
    status: int | None
    headers: dict[str, str]
    body: bytes
    date: str


def run_warc_path(data_dir: str | Path, run_id: int | str) -> Path:
    """Return the WARC file path of a run: <data_dir>/runs/<run_id>/pages.warc.gz."""
    return Path(data_dir) / "runs" / str(run_id) / WARC_NAME


class Archive:
    """A WARC file open for appending; write_exchange is safe from many threads and tasks."""

    def __init__(self, path: str | Path, *, name: str | None = None) -> None:
        self.path = Path(path)
        self.name = name or str(self.path)  # how index rows refer to the file
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            _cut_to_last_record(self.path)
        self._file: BinaryIO = open(self.path, "ab")  # noqa: SIM115 - closed in close()
        self._writer = WARCWriter(self._file, gzip=True)
        self._lock = threading.Lock()
        self._entries: list[ArchiveEntry] = []
        self._offsets: dict[str, int] = {}  # record id -> offset, for reading bodies back
        if self._file.tell() == 0:
            info = {"software": "govmedia", "format": "WARC File Format 1.0"}
            self._writer.write_record(self._writer.create_warcinfo_record(self.path.name, info))
            self._file.flush()

    @classmethod
    def for_run(cls, data_dir: str | Path, run_id: int | str) -> Archive:
        """Return the archive of a run, named relative to data_dir in the index."""
        path = run_warc_path(data_dir, run_id)
        return cls(path, name=str(path.relative_to(Path(data_dir))))

    @property
    def entries(self) -> tuple[ArchiveEntry, ...]:
        """Return the index entries of the responses written and not yet drained."""
        with self._lock:
            return tuple(self._entries)

    def offset_of(self, record_id: str) -> int | None:
        """Return the file offset of a response record written by this archive, or None."""
        with self._lock:
            return self._offsets.get(record_id)

    def drain(self) -> list[ArchiveEntry]:
        """Return the entries written since the last drain and forget them (for indexing)."""
        with self._lock:
            out, self._entries = self._entries, []
        return out

    def write_exchange(
        self,
        *,
        url: str,
        method: str,
        request_headers: Iterable[tuple[str, str]],
        status: int,
        reason: str,
        response_headers: Iterable[tuple[str, str]],
        body: bytes,
        fetched_at: datetime,
        truncated: bool = False,
    ) -> str:
        """Write a response record and its request record; return the response record id."""
        date = fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = [(k, v) for k, v in response_headers if k.lower() not in _DROP]
        headers.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(f"{status} {reason or 'Unknown'}", headers, protocol="HTTP/1.1")
        warc_headers = {"WARC-Date": date}
        if truncated:
            warc_headers["WARC-Truncated"] = "length"
        digest = hashlib.sha256(body).hexdigest()
        with self._lock:
            response = self._writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(body),
                length=len(body),
                http_headers=http,
                warc_headers_dict=warc_headers,
            )
            record_id = response.rec_headers.get_header("WARC-Record-ID")
            target = url.split("://", 1)[-1]
            path = "/" + target.split("/", 1)[1] if "/" in target else "/"
            request = self._writer.create_warc_record(
                url,
                "request",
                http_headers=StatusAndHeaders(
                    f"{method} {path} HTTP/1.1", list(request_headers), is_http_request=True
                ),
                warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
            )
            offset = self._file.tell()
            self._writer.write_record(response)
            length = self._file.tell() - offset
            self._writer.write_record(request)
            self._file.flush()
            self._offsets[record_id] = offset
            self._entries.append(
                ArchiveEntry(url, record_id, self.name, offset, length, status, fetched_at, digest)
            )
        return record_id

    def close(self) -> None:
        """Flush and close the file."""
        with self._lock:
            if not self._file.closed:
                self._file.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _cut_to_last_record(path: Path) -> None:
    """Truncate a WARC file after its last complete record (a crash may leave half of one).

    Every record is its own gzip member, so the end of the last member that decompresses to
    its end (gzip trailer included) is the end of the last complete record. warcio itself
    reads a half member without complaint, so it cannot be used for this.
    """
    good = end = 0  # end: file offset just after the bytes read so far
    member = zlib.decompressobj(wbits=31)
    broken = False
    with open(path, "rb") as fh:
        while not broken and (chunk := fh.read(1 << 20)):
            end += len(chunk)
            while chunk:  # always a suffix of the bytes read, ending at `end`
                try:
                    member.decompress(chunk)
                except zlib.error:
                    broken = True  # nothing after damaged bytes can be trusted
                    break
                if not member.eof:
                    break  # this member goes on in the next chunk
                chunk = member.unused_data
                good = end - len(chunk)
                member = zlib.decompressobj(wbits=31)
    if good < path.stat().st_size:
        with open(path, "r+b") as fh:
            fh.truncate(good)


def index_records(engine: Engine, run_id: int, records: Iterable[ArchiveEntry]) -> int:
    """Insert one `evidence` row per archived response; return how many were written."""
    rows = [
        {
            "run_id": run_id,
            "url": r.url,
            "warc_file": r.warc_file,
            "record_id": r.record_id,
            "offset": r.offset,
            "length": r.length,
            "status": r.status,
            "fetched_at": r.fetched_at.astimezone(UTC),  # stored in UTC, as every time
            "sha256": r.sha256,
        }
        for r in records
    ]
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(EvidenceRow), rows)
    return len(rows)


def read_record(
    path: str | Path, record_id: str, offset: int | None = None
) -> ArchivedRecord | None:
    """Return the response record with this id from a WARC file (None when it is not there).

    With the offset from the index the read is one seek; without it the file is scanned.
    """
    with open(path, "rb") as fh:
        if offset is not None:
            fh.seek(offset)
        for record in ArchiveIterator(fh):
            if record.rec_headers.get_header("WARC-Record-ID") != record_id:
                if offset is not None:
                    return None
                continue
            http = record.http_headers
            status = int(http.get_statuscode()) if http and http.get_statuscode() else None
            headers = {k.lower(): v for k, v in http.headers} if http else {}
            return ArchivedRecord(
                record_id,
                record.rec_headers.get_header("WARC-Target-URI"),
                status,
                headers,
                record.content_stream().read(),
                record.rec_headers.get_header("WARC-Date"),
            )
    return None
