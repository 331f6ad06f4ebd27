"""Workbench inspection jobs: a run another process is executing fails the job in one
Chinese sentence, not with an exception's class name."""

from __future__ import annotations

from datetime import datetime

from govmedia.artifacts import CHINA_TZ
from govmedia.run.inspect import plan_run
from govmedia.settings import Settings
from govmedia.store.accounts import list_accounts, upsert_accounts
from govmedia.store.db import open_db
from govmedia.store.locks import exclusive, run_lock
from govmedia.web.jobs import JobRunner

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA_TZ)
ROW = {"name": "青禾住建", "owner": "青禾市住房和城乡建设局", "category": "provincial_dept",
       "province": "青禾", "field": "住建", "platform": "wechat", "wechat_appid": "",
       "wechat_secret": "", "feed_url": "", "website": ""}


def test_a_job_on_a_run_another_process_executes_fails_in_one_sentence(tmp_path):
    engine = open_db(f"sqlite:///{tmp_path}/g.db")
    upsert_accounts(engine, [ROW])
    rows = list_accounts(engine)
    plan = plan_run(engine, rows, "gb-2019-19", AS_OF)  # the job will resume this same run
    runner = JobRunner(engine, Settings(data_dir=str(tmp_path / "data")))
    with exclusive(engine, run_lock(plan.run_id)):  # as if `govmedia inspect` were running it
        job = runner.start(rows, "gb-2019-19", AS_OF, "li", "全部账号")
        assert runner.join(job.id, timeout=60)
    assert job.status == "failed" and job.done == 0
    assert job.error.startswith(f"运行 {plan.run_id} 正由另一个进程执行"), job.error
