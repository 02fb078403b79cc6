"""The run sheet: an A4 PDF the driver takes along, one boxed block per stop in route order.

The view loads the run and passes plain data (`RunSheet`); this module only lays it out, with
the labels translated by Flask-Babel. Black on white with grey rules, so it copies and prints
in black and white. The text is set in Bitstream Vera (shipped with reportlab, embedded), as
the item labels are, so that æ, ø and å print on every machine.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus import TableStyle as Style

from depot.web.pdf import FONT, FONT_BOLD
from depot.web.pdf import plain as _plain
from depot.web.pdf import register_fonts as _register_fonts

MARGIN = 15 * mm
PAGE_WIDTH, PAGE_HEIGHT = A4
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
NUMBER_COLUMN = 22 * mm
GREY = colors.Color(0.85, 0.85, 0.85)


@dataclass(frozen=True)
class SheetItem:
    asset_tag: str
    product_name: str
    details: str = ""  # measurements asked for (deliveries)


@dataclass(frozen=True)
class SheetStop:
    number: int
    kind: str  # "delivery" | "pickup"
    name: str
    address: str
    postcode_town: str
    phone: str = ""
    contact: str = ""
    note: str = ""
    status: str = ""  # a label when the stop is no longer planned
    items: list[SheetItem] = field(default_factory=list)


@dataclass(frozen=True)
class RunSheet:
    depot_name: str
    depot_address: str
    run_date: str
    driver: str
    vehicle: str
    total_km: str
    printed_at: str
    note: str = ""
    stops: list[SheetStop] = field(default_factory=list)


@cache
def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        "bold": ParagraphStyle("bold", parent=body, fontName=FONT_BOLD),
        "name": ParagraphStyle("name", parent=body, fontName=FONT_BOLD, fontSize=11, leading=14),
        "title": ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=16, leading=20),
        "number": ParagraphStyle(
            "number", parent=body, fontName=FONT_BOLD, fontSize=18, leading=22, alignment=TA_CENTER
        ),
        "kind": ParagraphStyle("kind", parent=body, fontSize=8, leading=10, alignment=TA_CENTER),
    }


def _printable(text: str | None) -> str:
    """The text for Paragraph markup: printable, escaped, line breaks kept."""
    return escape(_plain(text)).replace("\n", "<br/>")


def _p(text: str | None, style: str = "body") -> Paragraph:
    return Paragraph(_printable(text), _styles()[style])


def _labelled(label: str, text: str | None, style: str = "body") -> Paragraph:
    return Paragraph(
        f"<font name='{FONT_BOLD}'>{_printable(label)}:</font> {_printable(text)}",
        _styles()[style],
    )


def _kind_label(kind: str) -> str:
    return _("Delivery") if kind == "delivery" else _("Pick-up")


def _header(sheet: RunSheet) -> list:
    facts = [
        (_("Depot"), f"{sheet.depot_name}, {sheet.depot_address}"),
        (_("Date"), sheet.run_date),
        (_("Driver"), sheet.driver),
        (_("Vehicle"), sheet.vehicle or "–"),
        (_("Route, straight-line km"), sheet.total_km),
        (_("Printed"), sheet.printed_at),
    ]
    table = Table(
        [[_p(label, "bold"), _p(value)] for label, value in facts],
        colWidths=[50 * mm, CONTENT_WIDTH - 50 * mm],
    )
    table.setStyle(
        Style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, -1), (-1, -1), 1, colors.black),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    flowables = [_p(_("Run sheet"), "title"), Spacer(1, 3 * mm), table]
    if sheet.note:
        flowables += [Spacer(1, 2 * mm), _labelled(_("Note"), sheet.note)]
    return [*flowables, Spacer(1, 5 * mm)]


def _item_line(item: SheetItem) -> str:
    text = f"[   ] {item.asset_tag} · {item.product_name}"
    return f"{text} ({item.details})" if item.details else text


def _stop(stop: SheetStop) -> KeepTogether:
    details = [_p(stop.name, "name"), _p(stop.address), _p(stop.postcode_town)]
    if stop.phone:
        details.append(_labelled(_("Phone"), stop.phone))
    if stop.contact:
        details.append(_labelled(_("Contact"), stop.contact))
    heading = _("Items to deliver") if stop.kind == "delivery" else _("Items to pick up")
    details.append(Spacer(1, 1.5 * mm))
    details.append(_p(heading, "bold"))
    details += [_p(_item_line(item)) for item in stop.items] or [_p("–")]
    if stop.note:
        details += [Spacer(1, 1.5 * mm), _labelled(_("Note"), stop.note)]
    if stop.status:
        details += [Spacer(1, 1.5 * mm), _labelled(_("Status"), stop.status)]
    details += [
        Spacer(1, 5 * mm),
        _p(
            _("Signature") + " ________________________________   " + _("Time") + " __________",
            "small",
        ),
    ]
    number = [_p(str(stop.number), "number"), _p(_kind_label(stop.kind), "kind")]
    table = Table(
        [[number, details]],
        colWidths=[NUMBER_COLUMN, CONTENT_WIDTH - NUMBER_COLUMN],
    )
    table.setStyle(
        Style(
            [
                ("BOX", (0, 0), (-1, -1), 1, colors.black),
                ("LINEAFTER", (0, 0), (0, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (0, -1), GREY),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return KeepTogether([table, Spacer(1, 4 * mm)])


def run_sheet_pdf(sheet: RunSheet) -> bytes:
    """The run sheet as PDF bytes (call inside a request or app context, for the labels)."""
    _register_fonts()
    buffer = io.BytesIO()
    footer = f"{sheet.depot_name} · {sheet.run_date} · {sheet.driver}"
    page_label = _("Page")

    def on_page(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.drawString(MARGIN, 8 * mm, _plain(footer))
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 8 * mm, f"{page_label} {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=_("Run sheet"),
        author="Hjælpemiddeldepot",
        creator="Hjælpemiddeldepot",
    )
    story = _header(sheet)
    if sheet.stops:
        story += [_stop(stop) for stop in sheet.stops]
    else:
        story.append(_p(_("The run has no stops.")))
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
