"""`govmedia demo` writes every report into its folder, and still prints what it printed."""

from __future__ import annotations

import json

from docx import Document
from lxml import html as lxml_html
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from govmedia.cli import app
from tests.smoke.conftest import AS_OF


def test_demo_writes_all_reports(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--as-of", AS_OF.isoformat()],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    # The terminal output of before: the table, the pass rate, where the results are.
    assert "合格率" in result.output and "结果已写入" in result.output
    assert "报告已写入" in result.output
    scored = json.loads((out / "result-ccid-2024.json").read_text(encoding="utf-8"))

    doc = Document(out / "report-national.docx")
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][0] == "一、评估背景"
    assert len(PdfReader(out / "report-national.pdf").pages) >= 8
    tree = lxml_html.fromstring((out / "report-national.html").read_text(encoding="utf-8"))
    assert tree.xpath("//h1")[0].text_content() == "政务微信公众号检查评估报告"
    wb = load_workbook(out / "report-national.xlsx")
    assert wb["账号得分"].max_row == len(scored["accounts"]) + 1
    assert Document(out / "report-pass-rate.docx").paragraphs
    assert (out / "report-pass-rate.html").stat().st_size > 0

    lists = sorted(out.glob("rectification-*.docx"))
    assert 1 <= len(lists) <= 3
    failed = {a["name"] for a in scored["accounts"] if a["verdict"] == "不合格"}
    subtitles = [" ".join(x.text for x in Document(p).paragraphs[:3]) for p in lists]
    assert any(name in s for s in subtitles for name in failed)  # a failed account is among them
