"""What every printed document shares: the Vera fonts, text they can print, and pages
numbered "page X of Y" with a footer line and an optional watermark (reportlab)."""

from __future__ import annotations

import io
import unicodedata
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table
from reportlab.platypus import TableStyle as Style

FONT, FONT_BOLD = "DepotVera", "DepotVeraBold"
PAGE_WIDTH, PAGE_HEIGHT = A4
RULE = colors.Color(0.55, 0.55, 0.55)  # grey rules
SHADE = colors.Color(0.9, 0.9, 0.9)  # table heads
LIGHT = colors.Color(0.96, 0.96, 0.96)  # sub-heading rows
DASH = "–"  # an empty value
WATERMARK = colors.Color(0.88, 0.88, 0.88)
FRAME_PADDING = 6  # reportlab's default padding inside the page frame, in points


@cache
def register_fonts() -> None:
    """Vera (bundled with reportlab) has the Danish letters and prints the same everywhere."""
    pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, "VeraBd.ttf"))


def plain(text: str | None) -> str:
    """The text with characters Vera lacks replaced by their base letter, or '?'."""
    register_fonts()
    glyphs = pdfmetrics.getFont(FONT).face.charToGlyph
    out = []
    for char in (text or "").replace("\r", ""):
        if char == "\n" or ord(char) in glyphs:
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char)[:1]
        out.append(base if base and ord(base) in glyphs else "?")
    return "".join(out)


@cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of every printed document, by name."""
    body = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=10.5)
    bold = {"parent": body, "fontName": FONT_BOLD}
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=9),
        "bold": ParagraphStyle("bold", **bold),
        "head": ParagraphStyle("head", fontSize=8, leading=10, **bold),
        "num": ParagraphStyle("num", parent=body, alignment=TA_RIGHT),
        "head_num": ParagraphStyle("head_num", fontSize=8, leading=10, alignment=TA_RIGHT, **bold),
        "bold_num": ParagraphStyle("bold_num", alignment=TA_RIGHT, **bold),
        "line": ParagraphStyle("line", fontSize=9.5, leading=12, **bold),
        "depot": ParagraphStyle("depot", spaceBefore=2 * mm, **bold),
        "section": ParagraphStyle(
            "section", fontSize=10.5, leading=13, spaceBefore=3 * mm, spaceAfter=1 * mm, **bold
        ),
        "title": ParagraphStyle("title", fontSize=16, leading=20, **bold),
        "number": ParagraphStyle("number", fontSize=12, leading=15, **bold),
    }


def printable(text: str | None) -> str:
    """`text` as paragraph markup: printable characters, escaped, line breaks kept."""
    return escape(plain(text)).replace("\n", "<br/>")


def paragraph(text: str | None, style: str = "body") -> Paragraph:
    return Paragraph(printable(text), styles()[style])


def labelled(label: str, text: str | None) -> Paragraph:
    """'Label: text' with the label in bold."""
    return Paragraph(
        f"<font name='{FONT_BOLD}'>{printable(label)}:</font> {printable(text)}", styles()["body"]
    )


def facts(rows: list[tuple[str, str]], width: float, label_width: float) -> Table:
    """Label/value rows with thin rules, as in a letter's header box."""
    table = Table(
        [[paragraph(label, "bold"), paragraph(value)] for label, value in rows],
        colWidths=[label_width, width - label_width],
    )
    table.setStyle(
        Style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
            ]
        )
    )
    return table


def facts_side_by_side(
    left: tuple[str, list[tuple[str, str]], float],
    right: tuple[str, list[tuple[str, str]], float],
    width: float,
) -> Table:
    """Two headed fact boxes next to each other (buyer and supplier, from and to depot): each
    side is (heading, rows, label width)."""
    half = (width - 6 * mm) / 2
    table = Table(
        [
            [paragraph(left[0], "section"), paragraph(right[0], "section")],
            [facts(left[1], half, left[2]), facts(right[1], half, right[2])],
        ],
        colWidths=[half + 6 * mm, half],
    )
    table.setStyle(
        Style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, -1), 6 * mm),
                ("RIGHTPADDING", (1, 0), (1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def numbered_canvas(
    footer_left: str, page_text: str, watermark: str, *, margin: float, watermark_size: int = 80
):
    """A canvas class that writes the footer and 'page X of Y' once the number of pages is
    known, and an onPage callback drawing the watermark (none when it is empty)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            self.saveState()
            self.setFont(FONT, 7)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            left, right = margin + FRAME_PADDING, PAGE_WIDTH - margin - FRAME_PADDING
            self.line(left, 11 * mm, right, 11 * mm)
            self.drawString(left, 7.5 * mm, plain(footer_left))
            page = page_text % {"page": self._pageNumber, "pages": total}
            self.drawRightString(right, 7.5 * mm, plain(page))
            self.restoreState()

    def draw_watermark(canvas, doc) -> None:
        if not watermark:
            return
        canvas.saveState()
        canvas.setFont(FONT_BOLD, watermark_size)
        canvas.setFillColor(WATERMARK)
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canvas.rotate(45)
        canvas.drawCentredString(0, -30, plain(watermark))
        canvas.restoreState()

    return NumberedCanvas, draw_watermark


def build_document(
    story: list,
    *,
    title: str,
    footer: str,
    watermark: str,
    margin: float,
    watermark_size: int = 80,
) -> bytes:
    """An A4 PDF of `story` in the house style: `footer` and "page X of Y" on every page, the
    watermark (if any) across it. Call inside a request or app context, for the labels."""
    from flask_babel import gettext as _

    register_fonts()
    buffer = io.BytesIO()
    canvas_class, on_page = numbered_canvas(
        footer,
        _("Page %(page)s of %(pages)s"),
        watermark,
        margin=margin,
        watermark_size=watermark_size,
    )
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 2 * mm,
        title=title,
        author="Hjælpemiddeldepot",
        creator="Hjælpemiddeldepot",
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page, canvasmaker=canvas_class)
    return buffer.getvalue()
