"""The `govmedia` command line: thin wrappers that parse arguments and call the modules."""

from __future__ import annotations

import typer

import govmedia.commands.report as report_command
import govmedia.commands.serve as serve_command
import govmedia.commands.users as users_command
from govmedia.commands import accounts, check_text, check_url, demo, inspect, monitor, prune, score
from govmedia.commands import worker as worker_command

app = typer.Typer(
    name="govmedia",
    help="Inspect and evaluate government new-media accounts (政务新媒体检查评估).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
check_app = typer.Typer(help="Check one thing on its own: a text, a URL.", no_args_is_help=True)
app.add_typer(check_app, name="check")
app.add_typer(accounts.accounts_app, name="accounts")
check_app.command("text")(check_text.check_text)
check_app.command("url")(check_url.check_url)
app.command("inspect")(inspect.inspect)
app.command("demo")(demo.demo)
app.command("score")(score.score)
app.command("report")(report_command.report)
app.command("serve")(serve_command.serve)
app.add_typer(users_command.users_app, name="users")
app.command("worker")(worker_command.worker)
app.command("monitor")(monitor.monitor)
app.command("prune")(prune.prune)


def main() -> None:
    app()
