"""Label sheets: A4 PDFs of 3 × 8 labels (70 × 37 mm) with a QR code and a Code128 barcode.

A pure function of its input (no Flask, no database): the `items.labels` view loads the items
and passes `LabelData`. The text is set in Bitstream Vera, the TrueType font that ships with
reportlab, embedded in the PDF so that æ, ø and å print the same on every machine.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from depot.web.pdf import FONT, FONT_BOLD
from depot.web.pdf import register_fonts as _register_fonts

# The sheet: common A4 sheets of 24 labels, 70 × 37 mm, edge to edge across the width.
COLUMNS, ROWS = 3, 8
LABEL_WIDTH, LABEL_HEIGHT = 70 * mm, 37 * mm
LABELS_PER_PAGE = COLUMNS * ROWS
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = (PAGE_WIDTH - COLUMNS * LABEL_WIDTH) / 2
MARGIN_TOP = (PAGE_HEIGHT - ROWS * LABEL_HEIGHT) / 2

# Inside one label: keep clear of the die-cut edge, which printers rarely hit exactly.
PADDING_X, PADDING_Y = 3 * mm, 2.5 * mm
QR_SIZE = 22 * mm  # including the QR code's own quiet zone of 4 modules
BARCODE_HEIGHT = 7 * mm
BARCODE_MAX_BAR = 0.33 * mm  # the narrowest bar (X); handheld scanners like 0.25-0.5 mm
TEXT_GAP = 1.5 * mm

TAG_SIZE, NAME_SIZE, SERIAL_SIZE = 11, 7.5, 7
NAME_LINES = 3
ELLIPSIS = "…"
TITLE = "Etiketter"


@dataclass(frozen=True)
class LabelData:
    """What one label shows: the asset tag (as text, QR and Code128), product and serial."""

    asset_tag: str
    product_name: str
    serial: str | None = None


def _printable(text: str, font: str) -> str:
    """The text with characters the font lacks replaced by their base letter, or '?'."""
    glyphs = pdfmetrics.getFont(font).face.charToGlyph
    out = []
    for char in " ".join(text.split()):
        if ord(char) in glyphs:
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char)[:1]
        out.append(base if base and ord(base) in glyphs else "?")
    return "".join(out)


def _fit(text: str, font: str, size: float, width: float) -> str:
    """The text cut to fit the width, ending in an ellipsis when it was cut."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text.rstrip() + ELLIPSIS, font, size) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Break the text into at most `max_lines` lines of the width; shorten the last one."""
    words, lines, line = text.split(), [], ""
    for index, word in enumerate(words):
        candidate = f"{line} {word}" if line else word
        if pdfmetrics.stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        if len(lines) == max_lines - 1:
            return [*lines, _fit(" ".join(words[index:]), font, size, width)]
        line = _fit(word, font, size, width)
    if line:
        lines.append(line)
    return lines


def _draw_qr(canvas: Canvas, value: str, x: float, y: float) -> None:
    widget = QrCodeWidget(value, barLevel="M", barWidth=QR_SIZE, barHeight=QR_SIZE, barBorder=4)
    drawing = Drawing(QR_SIZE, QR_SIZE)
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _draw_code128(canvas: Canvas, value: str, x: float, y: float, width: float) -> None:
    """The barcode centred in the width, bars as wide as fit (up to BARCODE_MAX_BAR)."""
    modules = Code128(value, barWidth=1, quiet=0).width + 20  # 10 X quiet zone on each side
    bar = min(BARCODE_MAX_BAR, width / modules)
    barcode = Code128(
        value,
        barWidth=bar,
        barHeight=BARCODE_HEIGHT,
        quiet=1,
        lquiet=10 * bar,
        rquiet=10 * bar,
        humanReadable=0,
    )
    barcode.drawOn(canvas, x + (width - barcode.width) / 2, y)


def _draw_label(canvas: Canvas, label: LabelData, x: float, y: float) -> None:
    """One label with its lower left corner at (x, y)."""
    tag = label.asset_tag.strip()
    inner_left, inner_right = x + PADDING_X, x + LABEL_WIDTH - PADDING_X
    top = y + LABEL_HEIGHT - PADDING_Y
    _draw_qr(canvas, tag, inner_left, top - QR_SIZE)
    _draw_code128(canvas, tag, inner_left, y + PADDING_Y, inner_right - inner_left)

    text_left = inner_left + QR_SIZE + TEXT_GAP
    text_width = inner_right - text_left
    baseline = top - TAG_SIZE
    canvas.setFont(FONT_BOLD, TAG_SIZE)
    canvas.drawString(
        text_left, baseline, _fit(_printable(tag, FONT_BOLD), FONT_BOLD, TAG_SIZE, text_width)
    )
    baseline -= 2 * mm
    canvas.setFont(FONT, NAME_SIZE)
    name = _printable(label.product_name or "", FONT)
    for line in _wrap(name, FONT, NAME_SIZE, text_width, NAME_LINES):
        baseline -= NAME_SIZE * 1.15
        canvas.drawString(text_left, baseline, line)
    if label.serial and label.serial.strip():
        canvas.setFont(FONT, SERIAL_SIZE)
        serial = _fit(
            _printable(f"S/N {label.serial.strip()}", FONT), FONT, SERIAL_SIZE, text_width
        )
        canvas.drawString(text_left, top - QR_SIZE + 1.5 * mm, serial)


def label_sheet_pdf(*, labels: Sequence[LabelData], skip: int = 0) -> bytes:
    """An A4 PDF of label sheets, one label per item; `skip` leaves used labels blank."""
    _register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(TITLE)
    canvas.setCreator("Hjælpemiddeldepot")
    skip = max(0, min(skip, LABELS_PER_PAGE - 1))
    for position, label in enumerate(labels, start=skip):
        if position and position % LABELS_PER_PAGE == 0:
            canvas.showPage()
        column, row = position % COLUMNS, position % LABELS_PER_PAGE // COLUMNS
        _draw_label(
            canvas,
            label,
            MARGIN_LEFT + column * LABEL_WIDTH,
            PAGE_HEIGHT - MARGIN_TOP - (row + 1) * LABEL_HEIGHT,
        )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
