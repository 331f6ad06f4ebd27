"""Freshness checks at the 14-day boundary, with every combination of sources."""

from datetime import datetime, timedelta

import pytest

from govmedia.artifacts import CHINA_TZ, AccountArtifacts, AccountInfo, Article, SourceRead
from govmedia.checks import freshness
from govmedia.checks.registry import CheckContext, check_table, run_check
from govmedia.findings import NotChecked

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
ACC = AccountInfo("示例发布", "示例市人民政府新闻办公室", "provincial_gov", "示例省")
CTX = CheckContext(AS_OF, {"stale_days": 14, "warn_days": 10})


def art(age: timedelta, source: str = "feed", url: str = "", kind: str = "feed", **kw) -> Article:
    return Article(title="示例市召开常务会议 研究部署冬季供暖工作", url=url,
                   published_at=AS_OF - age, time_kind=kind, source=source, **kw)


def src(name: str, covers: tuple[str, ...], *articles: Article, ok: bool = True,
        error: str = "") -> SourceRead:
    return SourceRead(name, ok, AS_OF, covers, tuple(articles), error)


def bundle(*sources: SourceRead) -> AccountArtifacts:
    return AccountArtifacts(ACC, AS_OF, tuple(sources))


FEED = ("publish", "masssend")


@pytest.mark.parametrize(("age", "stale"), [
    (timedelta(days=13, hours=23), False),
    (timedelta(days=14), False),
    (timedelta(days=14, hours=1), True),
    (timedelta(days=60), True),
])
def test_two_week_boundary(age, stale):
    found = freshness.no_update_2w(bundle(src("feed", FEED, art(age))), CTX)
    assert bool(found) is stale
    if stale:
        (f,) = found
        assert f.severity == "veto" and f.check == "freshness.no_update_2w"
        assert "14天内无更新" in f.message
        assert f.evidence["latest"]["published_at"] == (AS_OF - age).isoformat()
        assert f.evidence["sources"][0]["source"] == "feed"


def test_post_after_as_of_is_ignored():
    later = Article(title="t", published_at=AS_OF + timedelta(hours=1), source="feed")
    old = art(timedelta(days=20))
    assert freshness.no_update_2w(bundle(src("feed", FEED, later, old)), CTX)


def test_deleted_article_does_not_count():
    deleted = art(timedelta(days=1), status="deleted")
    assert freshness.no_update_2w(bundle(src("feed", FEED, deleted)), CTX)


def test_any_source_with_a_recent_post_passes_even_if_others_failed():
    a = bundle(src("wechat_api.freepublish", ("publish",), ok=False, error="AppSecret 无效"),
               src("feed", FEED, art(timedelta(days=2))))
    assert freshness.no_update_2w(a, CTX) == []


def test_no_readable_source_is_not_checked():
    a = bundle(src("wechat_api.freepublish", ("publish",), ok=False, error="AppSecret 无效"),
               src("wechat_api.datacube", ("masssend",), ok=False, error="AppSecret 无效"))
    with pytest.raises(NotChecked, match="所有数据源均未能读取.*AppSecret 无效"):
        freshness.no_update_2w(a, CTX)


def test_no_source_at_all_is_not_checked():
    result = run_check(check_table()["freshness.no_update_2w"], bundle(), CTX)
    assert result.status == "not_checked" and "未配置任何数据源" in result.reason


def test_source_blind_to_mass_sends_cannot_prove_silence():
    # freepublish misses 群发 articles: its empty list is not proof of silence.
    a = bundle(src("wechat_api.freepublish", ("publish",)),
               src("wechat_api.datacube", ("masssend",), ok=False, error="接口未授权"))
    with pytest.raises(NotChecked, match="群发"):
        freshness.no_update_2w(a, CTX)


def test_both_kinds_read_and_empty_is_stale():
    a = bundle(src("wechat_api.freepublish", ("publish",)),
               src("wechat_api.datacube", ("masssend",)))
    (f,) = freshness.no_update_2w(a, CTX)
    assert "未发现任何发布记录" in f.message


def test_page_send_time_overrides_api_update_time():
    url = "https://mp.weixin.qq.com/s?__biz=MzA=&mid=1&idx=1&sn=abc&chksm=x#rd"
    api = art(timedelta(days=2), "wechat_api.freepublish", url, "update")
    page = art(timedelta(days=40), "article_page", url.replace("&chksm=x", ""), "send")
    a = bundle(src("wechat_api.freepublish", ("publish",), api),
               src("wechat_api.datacube", ("masssend",)), src("article_page", (), page))
    (f,) = freshness.no_update_2w(a, CTX)
    assert f.evidence["latest"]["time_kind"] == "send"
    assert "距监测时间点40天" in f.message


@pytest.mark.parametrize(("age", "warned"), [
    (timedelta(days=9, hours=23), False),
    (timedelta(days=10, hours=1), True),
    (timedelta(days=13, hours=23), True),
    (timedelta(days=15), False),  # the veto speaks, not the warning
])
def test_warning_window(age, warned):
    found = freshness.warning(bundle(src("feed", FEED, art(age))), CTX)
    assert bool(found) is warned
    if warned:
        assert found[0].severity == "warn" and "单项否决" in found[0].message


def test_one_week_deduction_uses_its_own_days():
    ctx = CheckContext(AS_OF, {"days": 7})
    a = bundle(src("feed", FEED, art(timedelta(days=8))))
    (f,) = freshness.no_update_1w(a, ctx)
    assert f.severity == "deduct" and "7天内无更新" in f.message
    assert freshness.no_update_1w(bundle(src("feed", FEED, art(timedelta(days=6)))), ctx) == []


def test_article_key_ignores_tracking_parameters():
    a = "https://mp.weixin.qq.com/s?__biz=MzA=&amp;mid=1&amp;idx=1&amp;sn=abc&amp;scene=21#wechat"
    b = "https://mp.weixin.qq.com/s?sn=abc&idx=1&mid=1&__biz=MzA=&chksm=zz"
    assert freshness.article_key(a) == freshness.article_key(b)
    assert freshness.article_key("https://mp.weixin.qq.com/s/AbC/") == \
        freshness.article_key("https://mp.weixin.qq.com/s/AbC")
