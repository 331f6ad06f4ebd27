"""The built-in 2024 evaluation sample (seed 001, 附件 2 and 四、评估结果).

52 State Council ministries and agencies (国务院部门), 30 provincial governments (incl. the
Xinjiang Production and Construction Corps) and the 27 provincial departments named among the
excellent accounts, with the account names and units as the report gives them. No
credentials: add AppID/AppSecret by importing a file with the same name and unit.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from govmedia.registry.files import read_accounts_file

SAMPLE_FILE = "sample-2024.csv"


def load_sample_2024() -> list[dict[str, str]]:
    """Return the 109 accounts of the 2024 sample as validated registry rows."""
    with resources.as_file(resources.files("govmedia") / "data" / SAMPLE_FILE) as path:
        return read_accounts_file(path)


BUILTINS: dict[str, Callable[[], list[dict[str, str]]]] = {"sample-2024": load_sample_2024}
