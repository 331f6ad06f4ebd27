"""`govmedia check text` end to end: formats, charsets, stdin, exit codes, bad input."""

import json

import docx
from typer.testing import CliRunner

from govmedia.cli import app

runner = CliRunner()
TEXT = "今年是中华人民共合国成立75周年。\n市环保局开展执法检查。\n"


def run(*args, data=None):
    return runner.invoke(app, ["check", "text", *args], input=data)


def test_txt_in_gbk_with_json_output(tmp_path):
    path = tmp_path / "draft.txt"
    path.write_bytes(TEXT.encode("gbk"))
    result = run(str(path), "--published", "2024-06-01", "--format", "json", "--show-text")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert [(f["check"], f["text"]) for f in out["findings"]] == [
        ("wording.serious_error", "中华人民共合国"), ("wording.outdated_name", "环保局")]
    first = out["findings"][0]
    assert out["text"][first["start"]:first["end"]] == "中华人民共合国"
    assert set(first) == {"check", "severity", "start", "end", "text", "suggestion", "message"}


def test_published_date_before_the_reform(tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text("市环保局开展执法检查。", encoding="utf-8")
    assert run(str(path), "--published", "2017-01-01").exit_code == 0


def test_table_output_with_line_and_column(tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text(TEXT, encoding="utf-8")
    result = run(str(path), "--published", "2024-06-01")
    assert result.exit_code == 1
    assert "1:4" in result.stdout and "2:2" in result.stdout and "严重表述错误" in result.stdout


def test_html(tmp_path):
    path = tmp_path / "draft.html"
    path.write_text("<html><head><title>动态</title><script>var a='台湾总统';</script></head>"
                    "<body><p>他当了村官。</p><p>一切正常</p></body></html>", encoding="utf-8")
    result = run(str(path), "--format", "json")
    assert result.exit_code == 1
    assert [f["text"] for f in json.loads(result.stdout)["findings"]] == ["村官"]


def test_docx(tmp_path):
    doc = docx.Document()
    doc.add_paragraph("标题")
    doc.add_paragraph("共建一代一路倡议。")
    path = tmp_path / "draft.docx"
    doc.save(path)
    result = run(str(path), "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["findings"][0]["suggestion"] == "一带一路"


def test_stdin_clean_text_exits_zero():
    result = run("-", data="以习近平新时代中国特色社会主义思想为指导。".encode())
    assert result.exit_code == 0 and "未发现问题" in result.stdout


def test_bad_inputs_exit_2(tmp_path):
    missing = run(str(tmp_path / "none.txt"))
    assert missing.exit_code == 2 and "找不到文件" in missing.output
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert run(str(empty)).exit_code == 2
    binary = tmp_path / "x.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    result = run(str(binary))
    assert result.exit_code == 2 and "二进制" in result.output
    broken = tmp_path / "x.docx"
    broken.write_bytes(b"PK\x03\x04not a zip")
    assert run(str(broken)).exit_code == 2
    assert run(str(empty), "--published", "June").exit_code == 2
    assert "Traceback" not in result.output
