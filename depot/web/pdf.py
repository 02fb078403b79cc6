"""What every printed document shares: the Vera fonts, text they can print, and pages
numbered "page X of Y" with a footer line and an optional watermark (reportlab)."""

from __future__ import annotations

import unicodedata
from functools import cache

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT, FONT_BOLD = "DepotVera", "DepotVeraBold"
PAGE_WIDTH, PAGE_HEIGHT = A4
RULE = colors.Color(0.55, 0.55, 0.55)  # grey rules
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
