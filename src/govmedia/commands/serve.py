"""`govmedia serve`: the reviewer's workbench in a browser (FastAPI + uvicorn)."""

from __future__ import annotations

import typer

from govmedia.commands.common import console, engine, fail, settings


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on (0: any free port)."),
) -> None:
    """Start the web workbench (总览, 账号, 复核, 检查任务, 报告, 稿件预审)."""
    if not 0 <= port <= 65535:
        fail(f"--port 必须在 0 到 65535 之间，而不是 {port}")
    import uvicorn  # imported here: `govmedia --help` should not pay for it

    from govmedia.store.users import list_users
    from govmedia.web.app import create_app

    cfg = settings()
    eng = engine(cfg)
    if not list_users(eng):
        console.print("[yellow]还没有用户：先运行 govmedia users add NAME --role admin[/]")
    if not cfg.web_cookie_secure:
        console.print("[yellow]注意：web_cookie_secure=false，会话 Cookie 可经明文 HTTP 发送[/]")
    elif host not in ("127.0.0.1", "localhost", "::1"):
        console.print("[yellow]会话 Cookie 带 Secure 标志：请在 HTTPS 反向代理之后使用[/]")
    app = create_app(cfg, eng)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False,
                    server_header=False)
    except OSError as exc:
        fail(f"无法在 {host}:{port} 上监听：{exc.strerror or exc}")
