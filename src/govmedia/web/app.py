"""The workbench application: FastAPI with server-rendered pages, a JSON API and local assets.

    app = create_app(settings)          # or create_app(settings, engine)
    uvicorn.run(app, host="127.0.0.1", port=8000)

No asset comes from a CDN: the interactive API docs that FastAPI would load from one are off;
the OpenAPI description is at /api/openapi.json.
"""

from __future__ import annotations

from importlib import resources

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from govmedia.settings import Settings
from govmedia.store.db import open_db
from govmedia.web import admin, api, auth, files, pages
from govmedia.web.jobs import JobRunner
from govmedia.web.security import NotSignedIn, SecurityHeaders, guard
from govmedia.web.templating import make_templates, render


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _not_signed_in(request: Request, _exc: Exception) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": "未登录或令牌无效"}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}" if target != "/" else "/login",
                                status_code=303)
    return render(request, "error.html", {"status": 401, "message": "未登录，请先登录"},
                  status=401)


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if _is_api(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=exc.headers)
    message = exc.detail if isinstance(exc.detail, str) else "请求有误"
    if exc.status_code == 404 and message == "Not Found":
        message = "页面不存在"
    return render(request, "error.html", {"status": exc.status_code, "message": message},
                  status=exc.status_code)


def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _is_api(request):
        return JSONResponse({"detail": exc.errors()}, status_code=422)
    fields = "、".join(str(e.get("loc", ("", ""))[-1]) for e in exc.errors())
    return render(request, "error.html", {"status": 422, "message": f"输入有误：{fields}"},
                  status=422)


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """Return the workbench app for settings (the database is opened and migrated if needed)."""
    app = FastAPI(title="govmedia 政务新媒体检查工作台", version="0.1.0",
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  dependencies=[Depends(guard)])
    app.state.settings = settings
    app.state.engine = engine if engine is not None else open_db(settings.db)
    app.state.templates = make_templates()
    app.state.jobs = JobRunner(app.state.engine, settings)
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(NotSignedIn, _not_signed_in)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    static = resources.files("govmedia.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    for module in (auth, pages, files, admin, api):
        app.include_router(module.router)
    return app
