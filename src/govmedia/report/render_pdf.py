"""PDF of a report: the report's HTML printed by headless Chromium (Playwright page.pdf).

The browser is found the way the phone checks find it (collect/browser.py: the `browser` setting,
else Debian's chromium-headless-shell or chromium, else Playwright's own). The page is offline:
every request other than the document itself is refused (the HTML is self-contained anyway). The
footer carries the page number. Safe to call from a thread that runs an asyncio loop (the web app):
the browser then runs on a thread of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from pathlib import Path

from govmedia.collect.browser import LAUNCH_ARGS, find_chromium
from govmedia.settings import Settings

FOOTER = ('<div style="width:100%;text-align:center;font-size:9px;color:#444;'
          'font-family:\'Noto Sans CJK SC\',sans-serif">第 <span class="pageNumber"></span> 页 / '
          '共 <span class="totalPages"></span> 页</div>')
PDF_TIMEOUT_MS = 120_000


class PdfUnavailable(RuntimeError):
    """No browser could print the PDF; the message says why (Chinese)."""


async def _print(html: str, out: Path, settings: Settings) -> None:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        raise PdfUnavailable("未安装 Playwright，无法生成 PDF（pip install playwright）") from None
    exe, reason = find_chromium(settings.browser)
    async with async_playwright() as pw:
        if exe is None and not settings.browser:
            own = Path(pw.chromium.executable_path)
            exe = str(own) if own.is_file() else None
        if exe is None:
            raise PdfUnavailable(f"无法生成 PDF：{reason}")
        try:
            browser = await pw.chromium.launch(executable_path=exe, args=LAUNCH_ARGS,
                                               timeout=60_000)
        except Exception as exc:  # a browser that cannot start is a clear error, not a crash
            raise PdfUnavailable(f"无法生成 PDF：浏览器启动失败（{str(exc).splitlines()[0][:200]}）"
                                 ) from None
        try:
            page = await browser.new_page()
            await page.route("**/*", lambda route: route.abort())
            await page.set_content(html, wait_until="load", timeout=PDF_TIMEOUT_MS)
            await page.pdf(path=str(out), format="A4", print_background=True,
                           display_header_footer=True, header_template="<span></span>",
                           footer_template=FOOTER, prefer_css_page_size=True,
                           margin={"top": "20mm", "bottom": "20mm", "left": "18mm",
                                   "right": "18mm"})
        finally:
            await browser.close()


def render_pdf(html: str, out: Path, settings: Settings) -> None:
    """Write the HTML as a PDF to out; raises PdfUnavailable when no browser can print."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_print(html, out, settings))
        return
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _print(html, out, settings)).result()
