"""Administration (role admin): users, importing accounts, the settings in force (read only)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from govmedia.registry.files import AccountFileError, read_accounts_file
from govmedia.settings import SETTINGS
from govmedia.store.accounts import upsert_accounts
from govmedia.store.users import ROLE_NAMES, ROLES, UserError, add_user, list_users, remove_user
from govmedia.web.security import Admin, now
from govmedia.web.templating import render

router = APIRouter(include_in_schema=False)
MAX_ACCOUNTS_FILE = 20 * 1024 * 1024
_SECRET_WORDS = ("password", "secret", "token")
_URL_PASSWORD = re.compile(r"(//[^/:@\s]*):[^@\s/]*@")


def _shown(name: str, value: object) -> str:
    if any(w in name for w in _SECRET_WORDS) and value:
        return "（已设置，不显示）"
    # A URL may carry a password (database, broker): never show it.
    return _URL_PASSWORD.sub(r"\1:***@", str(value))


def _page(request: Request, message: str = "", status: int = 200) -> Response:
    settings = request.app.state.settings
    rows = [(s.name, s.env, _shown(s.name, getattr(settings, s.name)), s.help) for s in SETTINGS]
    return render(request, "admin.html", {
        "users": list_users(request.app.state.engine), "roles": ROLES, "role_names": ROLE_NAMES,
        "settings_rows": rows, "message": message}, status=status, active="admin")


@router.get("/admin")
def admin_page(request: Request, p: Admin) -> Response:
    """Return the administration page."""
    return _page(request)


@router.post("/admin/users")
def create_user(request: Request, p: Admin, name: str = Form(...), role: str = Form(...),
                owner: str = Form(""), password: str = Form(...)) -> Response:
    """Add a user."""
    try:
        add_user(request.app.state.engine, name, role, password, now(), owner_unit=owner)
    except UserError as exc:
        return _page(request, str(exc), 400)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{name}/delete")
def delete_user(request: Request, p: Admin, name: str) -> Response:
    """Remove a user (not oneself)."""
    if name == p.user.name:
        return _page(request, "不能删除当前登录的用户", 400)
    try:
        remove_user(request.app.state.engine, name)
    except UserError as exc:
        raise HTTPException(404, str(exc)) from None
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/accounts")
async def import_accounts(request: Request, p: Admin,
                          upload: Annotated[UploadFile, File()]) -> Response:
    """Import a CSV/XLSX account list (the same rules as `govmedia accounts import`)."""
    data = await upload.read(MAX_ACCOUNTS_FILE + 1)
    if len(data) > MAX_ACCOUNTS_FILE:
        return _page(request, "账号文件过大", 400)
    suffix = Path(upload.filename or "accounts.csv").suffix.lower()
    with tempfile.TemporaryDirectory(prefix="govmedia-import-") as tmp:
        path = Path(tmp) / f"accounts{suffix if suffix in ('.csv', '.xlsx') else '.csv'}"
        path.write_bytes(data)
        try:
            rows = read_accounts_file(path)
        except AccountFileError as exc:
            return _page(request, str(exc).replace(str(path), upload.filename or ""), 400)
    summary = upsert_accounts(request.app.state.engine, rows)
    return _page(request, f"已导入 {summary.total} 个账号：新增 {summary.added}，"
                          f"更新 {summary.updated}，未变 {summary.unchanged}")
