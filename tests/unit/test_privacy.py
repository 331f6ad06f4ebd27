"""Personal information: checksums, contact numbers left alone, masking, articles and pages."""

from datetime import datetime

import pytest

from govmedia.artifacts import (
    CHINA_TZ,
    AccountArtifacts,
    AccountInfo,
    Article,
    PageSnapshot,
    SourceRead,
)
from govmedia.checks.privacy import find, id_valid, luhn, personal_info
from govmedia.checks.registry import CheckContext
from govmedia.findings import NotChecked

AS_OF = datetime(2024, 7, 1, tzinfo=CHINA_TZ)
CTX = CheckContext(AS_OF)
ID = "11010519491231002X"
CARD = "6222020200112233446"


def test_checksums():
    assert id_valid(ID) and not id_valid("110105194912310021")
    assert not id_valid("110105194913310029")  # month 13
    assert luhn(CARD) and not luhn("6222020200112233445")


@pytest.mark.parametrize(("text", "kinds"), [
    (f"失主身份证号{ID}，请认领", ["id"]),
    ("失主身份证号110105194912310021", []),  # bad checksum
    ("中标人张某某，手机13912345678，住址某区", ["mobile"]),
    ("联系电话：13912345678", []),  # a public contact
    ("举报电话 139-1234-5678", []),
    (f"补助发放至银行卡号{CARD}", ["card"]),
    (f"订单号{CARD}", []),  # Luhn alone is not enough
    ("统一社会信用代码91110000100000000X", []),
])
def test_find(text, kinds):
    assert [f["kind"] for f in find(text)] == kinds


def test_evidence_is_masked_in_articles_and_pages():
    art = Article("失物招领", url="https://mp.weixin.qq.com/s/x", body_text=f"身份证号{ID}。")
    page = PageSnapshot("https://x.gov.cn/a", status=200, title="公示",
                        text="困难户王某，手机15011112222", menu_path="服务/公示")
    a = AccountArtifacts(AccountInfo("某市发布", "某市"), AS_OF,
                         sources=(SourceRead("freepublish", True, AS_OF, (), (art,)),),
                         pages=(page,))
    found = personal_info(a, CTX)
    assert [f.evidence["masked"] for f in found] == ["110105********002X", "150****2222"]
    assert found[0].evidence["article"]["title"] == "失物招领"
    assert found[1].target == "服务/公示" and found[1].severity == "warn"
    assert all(ID not in str(f.to_dict()) and "15011112222" not in str(f.to_dict())
               for f in found)


def test_not_checked_without_text():
    with pytest.raises(NotChecked):
        personal_info(AccountArtifacts(AccountInfo("a", "b"), AS_OF), CTX)
