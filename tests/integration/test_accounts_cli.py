"""`govmedia accounts import/list/export` end to end on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from govmedia.cli import app

HEADER = "账号名称,主办单位,类别,省份,领域,平台,AppID,AppSecret,订阅源\n"
GOOD = HEADER + (
    "北京人社,北京市人力资源和社会保障局,省级政府部门,北京,人力资源和社会保障,微信,wx01,s3cret,"
    "https://example.org/rss\n"
    "微言教育,教育部,国务院部门,,教育,,,,\n"
    "辽宁发布,辽宁省人民政府办公厅,省级政府,辽宁,,,,,\n"
)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run the CLI in tmp_path against a fresh SQLite database; return (run, tmp_path)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOVMEDIA_DB", f"sqlite:///{tmp_path / 'x.db'}")
    return _runner()


def _runner():
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["accounts", *args])
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result.output

    return run


def listed(run) -> list[dict[str, str]]:
    return json.loads(run("list", "--format", "json"))


def test_import_list_export_reimport(cli, tmp_path):
    (tmp_path / "a.csv").write_text(GOOD, encoding="gbk")
    assert "新增 3 个，更新 0 个，未变 0 个" in cli("import", "a.csv")
    assert "账号台账（3 个）" in cli("list")
    rows = listed(cli)
    assert [r["name"] for r in rows] == ["北京人社", "微言教育", "辽宁发布"]
    assert rows[0]["has_secret"] is True and "wechat_secret" not in rows[0]
    assert "s3cret" not in cli("list", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(cli("list", "--format", "csv", "--category", "部委"))))
    assert [(r["name"], r["category"]) for r in table] == [("微言教育", "ministry")]

    assert "已导出 3 个账号" in cli("export", "out.xlsx")
    assert "未变 3 个" in cli("import", "out.xlsx")
    assert listed(cli) == rows  # the secret survived the export without secrets

    cli("export", "secret.csv", "--include-secrets")
    assert "s3cret" in (tmp_path / "secret.csv").read_text(encoding="utf-8-sig")
    (tmp_path / "b.csv").write_text(GOOD.replace("辽宁,,,,,", "辽宁省,,,,,"), encoding="utf-8")
    assert "新增 0 个，更新 1 个，未变 2 个" in cli("import", "b.csv")


def test_bad_file_exits_2_and_imports_nothing(cli, tmp_path):
    (tmp_path / "bad.csv").write_text(GOOD + "某账号,,部委,,,,,,\n", encoding="utf-8")
    out = cli("import", "bad.csv", code=2)
    assert "bad.csv" in out and "第 5 行 B 列（主办单位）：不能为空" in out
    assert listed(cli) == []
    assert "没有账号" in cli("list")
    assert "二者选一" in cli("import", code=2)
    assert "无法读取" in cli("import", "missing.csv", code=2)
    assert "没有名为「x」的内置名单" in cli("import", "--builtin", "x", code=2)
    assert "--category" in cli("list", "--category", "市级", code=2)
    assert ".xlsx 或 .csv" in cli("export", "out.txt", code=2)


def test_builtin_sample(cli):
    assert "新增 109 个" in cli("import", "--builtin", "sample-2024")
    assert "未变 109 个" in cli("import", "--builtin", "sample-2024")
    counts = {c: len(json.loads(cli("list", "--format", "json", "--category", c)))
              for c in ("ministry", "provincial_gov", "provincial_dept")}
    assert counts == {"ministry": 52, "provincial_gov": 30, "provincial_dept": 27}


def test_postgresql_import_is_idempotent(pg_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOVMEDIA_DB", pg_url)
    run = _runner()
    (tmp_path / "a.csv").write_text(GOOD, encoding="utf-8-sig")
    assert "新增 3 个" in run("import", "a.csv")
    assert "未变 3 个" in run("import", "a.csv")
    (tmp_path / "bad.csv").write_text(GOOD.replace("辽宁,", "辽宁省,") + ",x,部委,,,,,,\n",
                                      encoding="utf-8")
    run("import", "bad.csv", code=2)
    assert [r["province"] for r in listed(run)] == ["北京", "", "辽宁"]
