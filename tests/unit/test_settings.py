"""Settings: defaults, govmedia.toml, environment, and clear errors."""

import pytest

from govmedia.settings import Settings, SettingsError, load_settings


def test_defaults(tmp_path):
    s = load_settings(tmp_path, {})
    assert s == Settings()
    assert s.db == "sqlite:///govmedia.db"
    assert s.wechat_api_base == "https://api.weixin.qq.com"


def test_toml_then_environment_then_command_line(tmp_path):
    (tmp_path / "govmedia.toml").write_text(
        '[govmedia]\nconcurrency = 3\ndb = "sqlite:///x.db"\nhttp_timeout = 5\n', encoding="utf-8")
    s = load_settings(tmp_path, {"GOVMEDIA_CONCURRENCY": "12"})
    assert (s.concurrency, s.db, s.http_timeout) == (12, "sqlite:///x.db", 5.0)
    assert s.with_(concurrency=2, db=None).concurrency == 2


@pytest.mark.parametrize(("toml", "env", "message"), [
    ("colour = 'red'\n", {}, "unknown setting 'colour'"),
    ("", {"GOVMEDIA_CONCURRENCY": "many"}, "GOVMEDIA_CONCURRENCY must be int"),
    ("", {"GOVMEDIA_HTTP_TIMEOUT": "-1"}, "must be positive"),
    ("concurrency = true\n", {}, "must be int"),
    ("db = [\n", {}, "not valid TOML"),
])
def test_errors_name_the_origin(tmp_path, toml, env, message):
    (tmp_path / "govmedia.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(tmp_path, env)
