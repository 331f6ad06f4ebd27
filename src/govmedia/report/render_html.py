"""HTML of a report: one self-contained file (styles inline, images as data URIs, no CDN).

Jinja2 with autoescape on for every template and every string: scraped text (a page title
containing <script>) stays text. The same HTML is printed to PDF by Chromium (render_pdf).
"""

from __future__ import annotations

import base64
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from govmedia.report.model import (
    KEEP_ROWS,
    Figure,
    Gallery,
    Heading,
    Paragraph,
    Report,
    Table,
    figure_caption,
    format_cell,
    table_caption,
    xml_safe,
)


def data_uri(fig: Figure) -> str:
    """Return the figure's image as a data: URI."""
    return f"data:{fig.mime};base64," + base64.b64encode(fig.image or b"").decode("ascii")


def column_shares(table: Table) -> list[str]:
    """Return each column's width in percent of the table width."""
    total = sum(c.width for c in table.columns) or 1.0
    return [f"{100 * c.width / total:.2f}" for c in table.columns]


@cache
def _env() -> Environment:
    env = Environment(loader=PackageLoader("govmedia.report", "templates"),
                      autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(cell=lambda v, kind="text": format_cell(v, kind), data_uri=data_uri,
                       table_caption=table_caption, figure_caption=figure_caption,
                       column_shares=column_shares, safe_text=xml_safe)
    env.tests.update(heading=lambda b: isinstance(b, Heading),
                     paragraph=lambda b: isinstance(b, Paragraph),
                     table=lambda b: isinstance(b, Table), gallery=lambda b: isinstance(b, Gallery))
    return env


def render_html(report: Report) -> str:
    """Return the report as one self-contained HTML document."""
    return _env().get_template("report.html.j2").render(report=report, keep_rows=KEEP_ROWS)
