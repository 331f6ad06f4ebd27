"""The wording checks over an account's articles: evidence, dates, de-duplication, NotChecked."""

from datetime import datetime

import pytest

from govmedia.artifacts import CHINA_TZ, AccountArtifacts, AccountInfo, Article, SourceRead
from govmedia.checks import wording
from govmedia.checks.registry import CheckContext, check_table, run_check
from govmedia.findings import NotChecked

AS_OF = datetime(2024, 7, 1, 12, tzinfo=CHINA_TZ)
URL = "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=abc"


def art(body, when=datetime(2024, 6, 1, 9, tzinfo=CHINA_TZ), url=URL, title="工作动态"):
    return Article(title=title, url=url, published_at=when, body_text=body)


def account(*sources):
    return AccountArtifacts(AccountInfo("某市发布", "某市人民政府"), AS_OF, sources=sources)


def src(name, *articles):
    return SourceRead(name, True, AS_OF, ("publish",), tuple(articles))


CTX = CheckContext(AS_OF)


def test_serious_error_is_a_provisional_veto_naming_the_article():
    a = account(src("freepublish", art("热烈庆祝中华人民共合国成立75周年。")))
    [f] = wording.serious_error(a, CTX)
    assert f.severity == "veto" and f.target == URL
    assert f.evidence["provisional"] is True and f.evidence["text"] == "中华人民共合国"
    assert f.evidence["article"] == {"title": "工作动态", "url": URL,
                                     "published_at": "2024-06-01T09:00:00+08:00"}
    body_start = len("工作动态\n")
    assert (f.evidence["start"], f.evidence["end"]) == (body_start + 4, body_start + 11)
    assert "中华人民共和国" in f.suggestion and "《工作动态》" in f.message


def test_same_article_from_two_sources_is_checked_once():
    dup = URL.replace("__biz=MzA&mid=1", "mid=1&__biz=MzA") + "&chksm=x"
    a = account(src("freepublish", art("", url=URL)),
                src("article_page", art("市环保局开展执法检查。", url=dup)))
    [f] = wording.outdated_name(a, CTX)
    assert f.evidence["text"] == "环保局" and f.severity == "deduct"


def test_outdated_name_uses_the_article_date():
    old = art("市环保局开展执法检查。", when=datetime(2017, 3, 1, tzinfo=CHINA_TZ))
    assert wording.outdated_name(account(src("freepublish", old)), CTX) == []


def test_sensitive_and_formalism_checks():
    a = account(src("freepublish", art("他当了村官。请全体干部关注本公众号并截图报送。")))
    assert [f.evidence["text"] for f in wording.sensitive(a, CTX)] == ["村官"]
    assert [f.check for f in wording.formalism(a, CTX)] == ["wording.formalism"]


def test_clean_article_gives_no_findings():
    a = account(src("freepublish", art("以习近平新时代中国特色社会主义思想为指导，坚定文化自信。")))
    for check in (wording.serious_error, wording.outdated_name, wording.sensitive,
                  wording.formalism):
        assert check(a, CTX) == []


def test_not_checked_without_article_text():
    with pytest.raises(NotChecked, match="未采集到文章正文"):
        wording.serious_error(account(src("freepublish", art(""))), CTX)
    result = run_check(check_table()["wording.sensitive"], account(), CTX)
    assert result.status == "not_checked"


def test_registered_with_their_severities():
    table = check_table()
    assert table["wording.serious_error"].severity == "veto"
    assert {"wording.outdated_name", "wording.sensitive", "wording.formalism",
            "privacy.personal_info"} <= set(table)
