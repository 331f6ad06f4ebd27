"""Word (.docx) of a report via python-docx, laid out as Chinese official reports are.

Real Heading 1–3 styles (Word's and WPS's navigation pane), a table-of-contents field that
Word fills when the document is opened (updateFields), page numbers in the footer (PAGE and
NUMPAGES fields), tables whose header row repeats on every page and whose rows do not split,
charts and screenshots as pictures. Fonts: 宋体 for text and 黑体 for headings (East Asian),
Times New Roman for Latin; every style names them, so Word and WPS show the same thing.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table as DocxTable

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

BODY_FONT, HEAD_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"
TEXT_WIDTH_CM = 16.0  # A4 (21 cm) less 2.5 cm margins
BODY_STYLE, CELL_STYLE = "报告正文", "表格文字"
HEADER_FILL = "E6EDF5"


def _fonts(style_element, east_asian: str, latin: str = LATIN_FONT) -> None:
    rpr = style_element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in list(rfonts.attrib):
        if attr.endswith("Theme"):  # theme fonts would override the names below
            del rfonts.attrib[attr]
    for attr, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asian)):
        rfonts.set(qn(attr), value)


def _styles(doc: DocumentObject) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    _fonts(normal.element, BODY_FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.5
    for level, size in ((1, 16), (2, 14), (3, 12)):
        style = doc.styles[f"Heading {level}"]
        style.font.size, style.font.bold = Pt(size), True
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(12 if level == 1 else 6)
        style.paragraph_format.space_after = Pt(6 if level == 1 else 3)
        style.paragraph_format.keep_with_next = True
        _fonts(style.element, HEAD_FONT)
    title = doc.styles["Title"]
    title.font.size, title.font.color.rgb = Pt(26), RGBColor(0, 0, 0)
    _fonts(title.element, HEAD_FONT)
    body = doc.styles.add_style(BODY_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    body.base_style = normal
    body.paragraph_format.first_line_indent = Pt(24)  # two characters
    cell = doc.styles.add_style(CELL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    cell.font.size = Pt(9.5)
    cell.paragraph_format.line_spacing = 1.15
    caption = doc.styles["Caption"]
    caption.font.size, caption.font.bold, caption.font.italic = Pt(10.5), True, False
    caption.font.color.rgb = RGBColor(0, 0, 0)
    caption.paragraph_format.keep_with_next = True  # a table's caption stays with the table
    caption.paragraph_format.space_before = Pt(6)
    _fonts(caption.element, HEAD_FONT)


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """Append a Word field (PAGE, NUMPAGES, TOC …) to a paragraph."""
    def char(kind: str) -> None:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(el)

    char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def _setup(doc: DocumentObject, report: Report) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE", "1")
    footer.add_run(" 页 / 共 ")
    _field(footer, "NUMPAGES", "1")
    footer.add_run(" 页")
    update = OxmlElement("w:updateFields")  # Word refreshes the TOC and page counts on open
    update.set(qn("w:val"), "true")
    doc.settings.element.append(update)
    props = doc.core_properties
    props.title, props.subject, props.author = report.title, report.subtitle, "govmedia"


def _cover(doc: DocumentObject, report: Report) -> None:
    """Add the title and the run's facts: a cover page and a TOC when report.cover."""
    for _ in range(4 if report.cover else 0):
        doc.add_paragraph()
    doc.add_paragraph(xml_safe(report.title), "Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
    if report.subtitle:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(xml_safe(report.subtitle)).font.size = Pt(15)
    doc.add_paragraph()
    meta = doc.add_table(rows=0, cols=2)
    meta.alignment, meta.autofit = WD_TABLE_ALIGNMENT.CENTER, False
    _grid(meta, [Cm(4), Cm(10)])
    for label, value in report.meta:
        cells = meta.add_row().cells
        cells[0].text, cells[1].text = xml_safe(label), xml_safe(value)
        cells[0].width, cells[1].width = Cm(4), Cm(10)
        cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for w in report.warnings:
        p = doc.add_paragraph()
        run = p.add_run("注意：" + xml_safe(w))
        run.font.color.rgb = RGBColor(0x8B, 0x1A, 0x1A)
    if not report.cover:
        return
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run("目录")
    run.bold, run.font.size = True, Pt(16)
    _field(doc.add_paragraph(), 'TOC \\o "1-3" \\h \\z \\u',
           "（目录：打开文档时选择“是”更新域，或右键此处选择“更新域”）")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _shade(cell, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _row_flags(row, header: bool) -> None:
    trpr = row._tr.get_or_add_trPr()
    flags = ["w:cantSplit", *(["w:tblHeader"] if header else [])]
    for tag in flags:
        el = OxmlElement(tag)
        el.set(qn("w:val"), "true")
        trpr.append(el)


def _grid(table: DocxTable, widths: list) -> None:
    """Set the column grid and the table width: Word reads the cell widths, LibreOffice and
    WPS the grid, so both are set."""
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    tblw = table._tbl.tblPr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        table._tbl.tblPr.append(tblw)
    tblw.set(qn("w:w"), str(sum(int(w.twips) for w in widths)))
    tblw.set(qn("w:type"), "dxa")


def _fill(cell, text: str, *, bold: bool = False, align=None) -> None:
    p = cell.paragraphs[0]
    p.style = CELL_STYLE
    if align is not None:
        p.alignment = align
    run = p.add_run(text)
    run.bold = bold


def _table(doc: DocumentObject, t: Table) -> None:
    if t.caption:
        doc.add_paragraph(table_caption(t), "Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER
    total = sum(c.width for c in t.columns) or 1.0
    widths = [Cm(TEXT_WIDTH_CM * c.width / total) for c in t.columns]
    table: DocxTable = doc.add_table(rows=0, cols=len(t.columns))
    table.style, table.alignment, table.autofit = "Table Grid", WD_TABLE_ALIGNMENT.CENTER, False
    _grid(table, widths)
    if t.header:
        row = table.add_row()
        _row_flags(row, header=True)
        for cell, col, width in zip(row.cells, t.columns, widths, strict=True):
            cell.width = width
            _fill(cell, col.title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            cell.paragraphs[0].paragraph_format.keep_with_next = True
            _shade(cell, HEADER_FILL)
    keep = len(t.rows) <= KEEP_ROWS
    for n, values in enumerate(t.rows, start=1):
        row = table.add_row()
        _row_flags(row, header=False)
        if keep and n < len(t.rows):  # a short table stays on one page
            for cell in row.cells:
                cell.paragraphs[0].paragraph_format.keep_with_next = True
        for i, (cell, col, width) in enumerate(zip(row.cells, t.columns, widths, strict=True)):
            cell.width = width
            numeric = col.kind != "text"
            _fill(cell, format_cell(values[i], col.kind), bold=not t.header and i == 0,
                  align=WD_ALIGN_PARAGRAPH.RIGHT if numeric else None)
            if not t.header and i == 0:
                _shade(cell, "F3F5F8")
    if t.note:
        p = doc.add_paragraph(xml_safe(t.note), CELL_STYLE)
        p.runs[0].font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    doc.add_paragraph()


def _figure(doc: DocumentObject, f: Figure) -> None:
    if f.image:
        doc.add_picture(io.BytesIO(f.image), width=Cm(f.width_cm))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    else:
        p = doc.add_paragraph()
        run = p.add_run(f"【{f.missing or '图片缺失'}】")
        run.font.color.rgb = RGBColor(0x8B, 0x1A, 0x1A)
    if f.caption:
        doc.add_paragraph(figure_caption(f), "Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER


def _gallery(doc: DocumentObject, g: Gallery) -> None:
    table = doc.add_table(rows=1, cols=len(g.figures))
    table.alignment, table.autofit = WD_TABLE_ALIGNMENT.CENTER, False
    width = Cm(min(TEXT_WIDTH_CM / len(g.figures), 5.3))
    _grid(table, [width] * len(g.figures))
    for cell, f in zip(table.rows[0].cells, g.figures, strict=True):
        cell.width = width
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if f.image:
            p.add_run().add_picture(io.BytesIO(f.image), width=Cm(f.width_cm))
        cap = cell.add_paragraph(figure_caption(f), CELL_STYLE)
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph()


def render_docx(report: Report, out: Path) -> None:
    """Write the report as a Word document to out."""
    doc = Document()
    _styles(doc)
    _setup(doc, report)
    _cover(doc, report)
    for b in report.blocks:
        if isinstance(b, Heading):
            doc.add_heading(xml_safe(b.text), level=b.level)
        elif isinstance(b, Paragraph):
            style = {"body": BODY_STYLE, "bullet": "List Bullet"}.get(b.style, BODY_STYLE)
            p = doc.add_paragraph(xml_safe(b.text), style)
            if b.style == "lead":
                p.runs[0].bold = True
            elif b.style == "note":
                p.runs[0].font.size = Pt(9)
        elif isinstance(b, Table):
            _table(doc, b)
        elif isinstance(b, Gallery):
            _gallery(doc, b)
        else:
            _figure(doc, b)
    doc.save(str(out))
