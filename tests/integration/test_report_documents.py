"""Reports of a real sandbox run: Word, Excel, HTML, PDF and JSON, checked against the result.

One inspect of the demo world (module-scoped); every report is written once from the stored
run (scored against ccid-2024, as write_report does) and opened with python-docx, openpyxl,
lxml and pypdf. The numbers in the documents must be those of score_run's result.
"""

from __future__ import annotations

import json
import re

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import html as lxml_html
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from govmedia.cli import app
from govmedia.report.documents import ReportError, write_report, write_reports
from govmedia.run.score import score_run
from govmedia.sandbox import load_world, run_world
from govmedia.settings import load_settings
from govmedia.store.db import open_db
from govmedia.store.models import AccountRow
from tests.smoke.conftest import AS_OF, write_accounts_csv

SYSTEM = "ccid-2024"
NOTES = ("freshness.warning", "link.unverifiable", "mobile.render_issues")  # not problems
SECTIONS = ["一、评估背景", "二、评估范围", "三、评估指标", "四、评估结果", "五、亮点做法",
            "六、主要问题", "七、发展建议", "附件1：相关政策文件", "附件2：评估账号名单"]


def live(acc):
    return [f for f in acc["findings"] if f.get("review") != "dismissed"
            and not f["check"].startswith("practice.")]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Inspect the demo world once, stop the sandbox, write every report of the run."""
    tmp = tmp_path_factory.mktemp("report")
    db = f"sqlite:///{tmp}/g.db"
    world = load_world(AS_OF, "demo")
    env = {"GOVMEDIA_DB": db, "GOVMEDIA_DATA_DIR": str(tmp / "data")}
    with run_world(world):
        csv_path = write_accounts_csv(world, tmp / "accounts.csv")
        out = CliRunner().invoke(app, ["inspect", "--accounts", str(csv_path), "--as-of",
                                       AS_OF.isoformat(), "--format", "json", "-o",
                                       str(tmp / "inspect.json")],
                                 env={**env, "GOVMEDIA_WECHAT_API_BASE": world.base_url})
        assert out.exit_code == 0, out.output
    run_id = json.loads((tmp / "inspect.json").read_text(encoding="utf-8"))["run_id"]
    engine = open_db(db)
    cfg = load_settings().with_(db=db, data_dir=str(tmp / "data"))
    result = score_run(engine, run_id, SYSTEM)
    with Session(engine) as s:
        ids = {(a.name, a.owner): a.id for a in s.scalars(select(AccountRow))}
    # The rectification lists of the account with the most phone screenshots in its evidence
    # and of a vetoed account.
    shot = max(result["accounts"], key=lambda a: sum(
        bool((f["evidence"] or {}).get("screenshot")) for f in live(a)))
    vetoed = next(a for a in result["accounts"] if a["vetoed"] and live(a))
    files = {}
    requests = []
    for kind, fmt in [("national", f) for f in ("docx", "html", "pdf", "xlsx", "json")] + [
            ("pass-rate", "docx"), ("pass-rate", "xlsx")]:
        files[kind, fmt] = tmp / f"{kind}.{fmt}"
        requests.append((kind, fmt, files[kind, fmt], None))
    for name, acc in (("shot", shot), ("veto", vetoed)):
        for fmt in ("docx", "xlsx", "html"):
            files[name, fmt] = tmp / f"account-{name}.{fmt}"
            requests.append(("account", fmt, files[name, fmt], ids[acc["name"], acc["owner"]]))
    write_reports(engine, cfg, run_id, requests, system=SYSTEM)
    return {"engine": engine, "cfg": cfg, "run": run_id, "result": result, "files": files,
            "tmp": tmp, "db": db, "shot": shot, "vetoed": vetoed, "ids": ids, "env": env}


def headings(doc, level):
    return [p.text for p in doc.paragraphs if p.style.name == f"Heading {level}"]


def table_with(doc, caption_words, header):
    """Return the docx table whose header row is header (after a caption with the words)."""
    for t in doc.tables:
        if [c.text for c in t.rows[0].cells] == header:
            return t
    raise AssertionError(f"no table {caption_words} with header {header}")


def cell_rows(table):
    return [[c.text for c in r.cells] for r in table.rows[1:]]


def pct(x):
    return "—" if x is None else f"{x:.1%}"


def test_national_docx_structure_and_numbers(run):
    result = run["result"]
    doc = Document(run["files"]["national", "docx"])
    assert headings(doc, 1) == SECTIONS
    assert "（一）总体情况" in headings(doc, 2)
    body = doc.element.body.xml
    assert 'TOC \\o "1-3"' in body  # a table-of-contents field Word fills in
    footer = doc.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert doc.settings.element.find(qn("w:updateFields")) is not None
    # Every data table's first row is a header row that repeats on each page (the cover's
    # facts and the screenshot rows are layout, not data).
    header_rows = [t.rows[0]._tr.trPr for t in doc.tables if t.style.name == "Table Grid"]
    assert len(header_rows) > 10 and all(
        tr is not None and tr.find(qn("w:tblHeader")) is not None for tr in header_rows)
    # Charts are pictures in the document.
    assert len(doc.inline_shapes) >= 4
    # The totals: the sentence and the category table say the result's numbers.
    s = result["summary"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert (f"本次检查共{len(result['accounts'])}个账号，其中合格{s['合格']}个、"
            f"不合格{s['不合格']}个、未能检查{s['未能检查']}个，"
            f"合格率为{pct(s['pass_rate'])}") in text
    cats = table_with(doc, "各类别检查结果", ["类别", "账号数", "合格", "不合格", "未能检查",
                                        "合格率", "平均分", "表现较好"])
    rows = cell_rows(cats)
    labels = {"ministry": "部委", "provincial_gov": "省级政府", "provincial_dept": "省级政府部门"}
    for g in result["groups"]["category"]:
        row = next(r for r in rows if r[0] == labels[g["category"]])
        assert row[1:6] == [str(g["count"]), str(g["合格"]), str(g["不合格"]), str(g["未能检查"]),
                            pct(g["pass_rate"])]
        assert row[6] == f"{g['mean_score']:.2f}"
    assert rows[-1][:6] == ["合计", str(len(result["accounts"])), str(s["合格"]),
                            str(s["不合格"]), str(s["未能检查"]), pct(s["pass_rate"])]
    # 表现较好 lists per category, with 单位名称 / 微信公众号名称.
    for cat, best in result["excellent"].items():
        if best:
            assert f"{labels[cat]}表现较好的政务微信公众号（共{len(best)}个）" in body
    names = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    for acc in result["accounts"]:  # 附件2 lists every account
        assert acc["name"] in names and acc["owner"] in names


def test_national_problems_are_counted_and_anonymised(run):
    result = run["result"]
    doc = Document(run["files"]["national", "docx"])
    h = headings(doc, 1)
    paragraphs = [p.text for p in doc.paragraphs]
    start = paragraphs.index("六、主要问题")
    end = paragraphs.index("七、发展建议")
    problems = paragraphs[start:end]
    stale = [a for a in result["accounts"] if any(
        f["check"] in ("freshness.no_update_2w", "freshness.no_update_1w",
                       "freshness.stale_column") for f in live(a))]
    assert any(p.startswith(f"本次检查中，{len(stale)}个账号存在此类问题") for p in problems)
    examples = [p for p in problems if p.startswith("例如，")]
    assert examples
    for acc in result["accounts"]:  # examples never name the owner or the account
        for p in examples:
            assert acc["owner"] not in p and f"“{acc['name']}”" not in p
            assert "http://" not in p
    assert any(p.startswith("例如，某") for p in examples)
    assert h.index("六、主要问题") < h.index("七、发展建议")


def test_national_xlsx_workbook(run):
    result = run["result"]
    wb = load_workbook(run["files"]["national", "xlsx"])
    assert wb.sheetnames[:6] == ["说明", "账号得分", "问题清单", "合格率-类别", "合格率-省份",
                                 "合格率-领域"]
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref.startswith("A1:")
        assert all(c.font.b for c in ws[1])
        assert ws.column_dimensions["A"].width >= 6
    scores = wb["账号得分"]
    header = [c.value for c in scores[1]]
    assert header[:9] == ["序号", "类别", "省份", "领域", "主办单位", "账号名称", "结论", "得分",
                          "名次"]
    rows = {r[5]: r for r in scores.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == len(result["accounts"])
    for acc in result["accounts"]:
        row = rows[acc["name"]]
        assert row[6].startswith(acc["verdict"])
        assert row[7] == acc["score"] and row[8] == acc["rank"]  # numbers stay numbers
        assert row[header.index("问题数")] == len([f for f in live(acc) if f["severity"] != "info"
                                                   and f["check"] not in NOTES])
    findings = list(wb["问题清单"].iter_rows(min_row=2, values_only=True))
    assert len(findings) == sum(len(live(a)) for a in result["accounts"])
    rates = {r[0]: r for r in wb["合格率-类别"].iter_rows(min_row=2, values_only=True)}
    assert rates["合计"][5] == result["summary"]["pass_rate"]
    assert wb["合格率-类别"]["F2"].number_format == "0.0%"


def test_national_html_is_self_contained_and_matches(run):
    result = run["result"]
    raw = run["files"]["national", "html"].read_text(encoding="utf-8")
    tree = lxml_html.fromstring(raw)
    assert not tree.xpath("//script") and not tree.xpath("//link")
    srcs = tree.xpath("//img/@src")
    assert len(srcs) >= 4 and all(s.startswith("data:image/") for s in srcs)
    assert not re.search(r"""(?:src|href)=["']https?://""", raw)
    assert [h.text_content() for h in tree.xpath("//main/h1")] == SECTIONS
    toc = tree.xpath("//nav[@class='toc']//a/@href")
    assert toc and all(tree.xpath(f"//*[@id='{h[1:]}']") for h in toc)
    cats = tree.xpath("//table[@id='groups_category']//tbody/tr")
    assert cats[-1].xpath("td/text()")[:6] == [
        "合计", str(len(result["accounts"])), str(result["summary"]["合格"]),
        str(result["summary"]["不合格"]), str(result["summary"]["未能检查"]),
        pct(result["summary"]["pass_rate"])]


def test_national_pdf_has_pages_and_text(run):
    reader = PdfReader(run["files"]["national", "pdf"])
    assert len(reader.pages) >= 8
    first = reader.pages[0].extract_text()
    assert "政务微信公众号检查评估报告" in first
    later = "".join(reader.pages[i].extract_text() for i in range(2, 6))
    assert "评估背景" in later


def test_national_json_is_the_document_model(run):
    data = json.loads(run["files"]["national", "json"].read_text(encoding="utf-8"))
    assert data["kind"] == "national"
    assert [b["text"] for b in data["blocks"]
            if b["type"] == "heading" and b["level"] == 1] == SECTIONS
    figures = [b for b in data["blocks"] if b["type"] == "figure" and b["kind"] == "chart"]
    rate = next(f for f in figures if f["key"] == "pass_rate_by_category")
    labels = {"ministry": "部委", "provincial_gov": "省级政府", "provincial_dept": "省级政府部门"}
    by_cat = {labels[g["category"]]: g["pass_rate"] for g in run["result"]["groups"]["category"]}
    assert dict(zip(rate["data"]["groups"], rate["data"]["pass_rate"], strict=True)) == by_cat
    assert {s["sheet"] for s in data["sheets"]} >= {"账号得分", "问题清单", "合格率-类别"}


def test_rectification_list_veto_first_with_evidence(run):
    acc = run["vetoed"]
    doc = Document(run["files"]["veto", "docx"])
    h2 = headings(doc, 2)
    assert h2[0].startswith("（一）单项否决：")
    items = headings(doc, 3)
    assert len(items) == len(live(acc))
    assert items[0].startswith("1. 【单项否决】")
    veto_messages = [f["message"] for f in live(acc) if f["severity"] == "veto"]
    texts = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert veto_messages and all(m in texts for m in veto_messages)
    assert "整改要求" in texts and "证据" in texts
    wb = load_workbook(run["files"]["veto", "xlsx"])
    rows = list(wb["整改清单"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(live(acc))
    assert rows[0][2] == "单项否决"
    severities = [r[2] for r in rows]
    assert severities.index("单项否决") == 0 and "单项否决" not in severities[
        len([s for s in severities if s == "单项否决"]):]


def test_rectification_list_shows_screenshots_and_archive_ids(run):
    acc = run["shot"]
    with_shot = [f for f in live(acc) if (f["evidence"] or {}).get("screenshot")]
    assert with_shot, "the demo world has pages that fail on a phone"
    doc = Document(run["files"]["shot", "docx"])
    assert len(doc.inline_shapes) >= 1
    rows = list(load_workbook(run["files"]["shot", "xlsx"])["整改清单"].iter_rows(
        min_row=2, values_only=True))
    assert sum(bool(r[10]) for r in rows) == len(with_shot)  # 截图 column
    assert all(r[9] for r in rows if r[5])  # every finding with a URL names its archive record
    tree = lxml_html.fromstring(run["files"]["shot", "html"].read_text(encoding="utf-8"))
    assert tree.xpath("//img[@class='screenshot']/@src")[0].startswith("data:image/jpeg")


def test_pass_rate_report_numbers(run):
    result = run["result"]
    wb = load_workbook(run["files"]["pass-rate", "xlsx"])
    fields = {r[0]: r for r in wb["合格率-领域"].iter_rows(min_row=2, values_only=True)}
    for g in result["groups"]["field"]:
        assert fields[g["field"]][1:6] == (g["count"], g["合格"], g["不合格"], g["未能检查"],
                                           g["pass_rate"])
    failed = list(wb["不合格账号"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[1] for r in failed) == sorted(a["name"] for a in result["accounts"]
                                                  if a["verdict"] == "不合格")
    doc = Document(run["files"]["pass-rate", "docx"])
    assert headings(doc, 1)[0] == "一、总体情况"


def test_the_run_system_is_the_default(run):
    out = run["tmp"] / "own.json"
    write_report(run["engine"], run["cfg"], run["run"], "pass-rate", "json", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert dict((m["label"], m["value"]) for m in data["meta"])["指标体系"].endswith(
        "（gb-2019-19）")


@pytest.mark.parametrize(("kind", "fmt", "account", "words"), [
    ("national", "odt", None, "未知的报告格式"),
    ("summary", "docx", None, "未知的报告类型"),
    ("account", "docx", None, "需要指定账号"),
    ("account", "docx", 99999, "不在检查运行"),
])
def test_write_report_refuses_bad_requests(run, kind, fmt, account, words):
    with pytest.raises(ReportError, match=words):
        write_report(run["engine"], run["cfg"], run["run"], kind, fmt, run["tmp"] / "x",
                     account_id=account)
    assert not (run["tmp"] / "x").exists()


def cli(run, *args):
    return CliRunner().invoke(app, ["report", *args], env={**run["env"], "COLUMNS": "300"})


@pytest.mark.parametrize(("args", "words"), [
    (["999", "-o", "x.docx"], "999"),
    (["{run}", "--kind", "everything", "-o", "x.docx"], "未知的报告类型"),
    (["{run}", "--format", "odt", "-o", "x.odt"], "未知的报告格式"),
    (["{run}", "--kind", "account", "-o", "x.docx"], "需要指定账号"),
    (["{run}", "--kind", "account", "--account", "没有这个号", "-o", "x.docx"], "没有名为"),
    (["{run}", "--system", "nope-2030", "-o", "x.docx"], "指标体系"),
    (["{run}"], "-o"),
])
def test_cli_bad_input_is_one_chinese_line(run, args, words):
    out = cli(run, *[a.format(run=run["run"]) for a in args])
    assert out.exit_code == 2, out.output
    lines = [line for line in out.output.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0] and "错误" in lines[0]
    assert "Traceback" not in out.output


def test_cli_writes_a_rectification_list_by_account_name(run):
    acc = run["vetoed"]
    path = run["tmp"] / "cli.json"
    out = cli(run, str(run["run"]), "--kind", "account", "--account", acc["name"],
              "--format", "json", "--system", SYSTEM, "-o", str(path))
    assert out.exit_code == 0, out.output
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["kind"] == "account" and acc["name"] in data["subtitle"]
    assert len(data["sheets"][0]["rows"]) == len(live(acc))
