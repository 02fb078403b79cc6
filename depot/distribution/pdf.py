"""The transfer order's pick list as an A4 PDF, in Danish by default.

`sheet_for` turns an order into plain data (`PickSheet`), every label translated by
Flask-Babel; `pick_list_pdf` lays it out: the order's number, dates and run, the depot the units
leave and the one they go to (addresses, opening hours), then one table per line with a box to
tick per unit. An open order lists the proposed items (available, at least two weeks to their
next inspection, the oldest first) by asset tag, and a few alternatives for an item that cannot
be found; a sent or received order lists the items actually sent. Consumables get the quantity
ordered, the balance in the depot and a space for the count. Signature lines for whoever picked
and whoever received close the list. Items have no shelf location in this system, so the list
shows each item's serial number and product to find it by. Black on white with grey rules, in
Vera, pages numbered "page X of Y" with who printed it and when, as the other printed
documents; a cancelled order says so across each page.

A line's table starts with its heading rows, repeated when the table goes on over a page and
never left alone at the foot of one (reportlab splits a table only after its repeated rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table
from reportlab.platypus import TableStyle as Style
from sqlalchemy import select

from depot.distribution.models import TransferOrder, TransferOrderLine
from depot.distribution.picking import INSPECTION_MARGIN_DAYS, proposed_items
from depot.distribution.transfer_orders import (
    ORDER_STATE_LABELS,
    line_label,
)
from depot.extensions import db
from depot.organisations.models import Depot, utcnow
from depot.stock.models import StockLevel
from depot.web.i18n import current_language, day, moment, number
from depot.web.pdf import (
    DASH,
    FRAME_PADDING,
    LIGHT,
    PAGE_WIDTH,
    RULE,
    SHADE,
    build_document,
    facts_side_by_side,
    labelled,
    paragraph,
    printable,
    styles,
)

MARGIN = 14 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN - 2 * FRAME_PADDING
ALTERNATIVES = 3  # proposed items listed beyond the quantity, for one that cannot be found


@dataclass(frozen=True)
class PickItem:
    tag: str
    product: str
    serial: str
    inspection: str  # the next inspection's date, or a dash


@dataclass(frozen=True)
class PickLine:
    what: str  # the product type's ISO code and title, or the consumable's name
    code: str  # the consumable's HMI number, or ""
    quantity: str
    consumable: bool
    sent: str = ""  # sent and received orders: the units sent
    items: list[PickItem] = field(default_factory=list)
    alternatives: list[PickItem] = field(default_factory=list)
    shortage: str = ""  # "only 2 available in the depot"
    stock: str = ""  # consumables: the balance in the from-depot


@dataclass(frozen=True)
class PickSheet:
    number: str
    status: str
    watermark: str
    facts: list[tuple[str, str]]
    source: list[tuple[str, str]]
    target: list[tuple[str, str]]
    lines: list[PickLine]
    picked: bool  # the items listed are the ones sent (not a proposal)
    printed_by: str
    printed_at: str
    note: str = ""


# --- from an order to plain data ------------------------------------------------------------


def _depot_facts(depot: Depot) -> list[tuple[str, str]]:
    town = " ".join(p for p in (depot.postcode, depot.town) if p)
    return [
        (_("Depot"), depot.name),
        (_("Address"), ", ".join(p for p in (depot.address, town) if p) or DASH),
        (_("Opening hours"), depot.opening_hours or DASH),
    ]


def _pick_item(item) -> PickItem:
    return PickItem(
        tag=item.asset_tag,
        product=item.product.name,
        serial=item.serial or DASH,
        inspection=day(item.next_inspection_due),
    )


def _stock(depot_id: int, product_id: int) -> int:
    return (
        db.session.scalar(
            select(StockLevel.quantity).where(
                StockLevel.depot_id == depot_id, StockLevel.product_id == product_id
            )
        )
        or 0
    )


def _line(order: TransferOrder, line: TransferOrderLine, locale: str) -> PickLine:
    picked = order.status in ("sent", "received")
    sent = number(line.sent_quantity) if picked else ""
    if line.product_id is not None:
        return PickLine(
            what=line_label(line, locale),
            code=line.product.hmi_number or "",
            quantity=number(line.quantity),
            consumable=True,
            sent=sent,
            stock=number(_stock(order.from_depot_id, line.product_id)),
        )
    if picked:
        items = [_pick_item(p.item) for p in line.items]
        return PickLine(
            what=line_label(line, locale),
            code="",
            quantity=number(line.quantity),
            consumable=False,
            sent=sent,
            items=items,
        )
    proposals = proposed_items(line=line, limit=line.quantity + ALTERNATIVES)
    shortage = ""
    if len(proposals) < line.quantity:
        shortage = _(
            "Only %(n)s available in the depot with at least %(days)s days to their next "
            "inspection.",
            n=number(len(proposals)),
            days=INSPECTION_MARGIN_DAYS,
        )
    return PickLine(
        what=line_label(line, locale),
        code="",
        quantity=number(line.quantity),
        consumable=False,
        items=[_pick_item(i) for i in proposals[: line.quantity]],
        alternatives=[_pick_item(i) for i in proposals[line.quantity :]],
        shortage=shortage,
    )


def sheet_for(order: TransferOrder, *, printed_by: str) -> PickSheet:
    """The plain data of the order's pick list, in the current language."""
    locale = current_language()
    status = str(ORDER_STATE_LABELS.get(order.status, order.status))
    facts = [(_("Created"), day(order.created_at))]
    if order.run_id:
        facts.append((_("Distribution run"), str(order.run_id)))
    if order.sent_at:
        sender = f" · {order.sent_by.name}" if order.sent_by else ""
        facts.append((_("Sent"), moment(order.sent_at) + sender))
    if order.received_at:
        receiver = f" · {order.received_by.name}" if order.received_by else ""
        facts.append((_("Received"), moment(order.received_at) + receiver))
    return PickSheet(
        number=order.number,
        status=status,
        watermark=status.upper() if order.status == "cancelled" else "",
        facts=facts,
        source=_depot_facts(order.from_depot),
        target=_depot_facts(order.to_depot),
        lines=[_line(order, line, locale) for line in order.lines],
        picked=order.status in ("sent", "received"),
        printed_by=printed_by,
        printed_at=moment(utcnow()),
        note=order.note or "",
    )


# --- layout ---------------------------------------------------------------------------------


class _TickBox(Flowable):
    """An empty square to tick by hand."""

    SIZE = 3.6 * mm

    def wrap(self, aW, aH):
        return self.SIZE, self.SIZE

    def draw(self):
        self.canv.setLineWidth(0.8)
        self.canv.rect(0, 0, self.SIZE, self.SIZE)


def _header(sheet: PickSheet) -> list:
    box = [
        paragraph(_("Transfer order %(number)s", number=sheet.number), "number"),
        *(labelled(label, value) for label, value in sheet.facts),
        labelled(_("Status"), sheet.status),
    ]
    top = Table(
        [[paragraph(_("Pick list"), "title"), box]], colWidths=[CONTENT_WIDTH - 80 * mm, 80 * mm]
    )
    top.setStyle(
        Style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (1, 0), (1, 0), 1, colors.black),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 4),
                ("BOTTOMPADDING", (1, 0), (1, 0), 4),
            ]
        )
    )
    depots = facts_side_by_side(
        (_("From"), sheet.source, 30 * mm), (_("To"), sheet.target, 30 * mm), CONTENT_WIDTH
    )
    return [top, Spacer(1, 2 * mm), depots, Spacer(1, 3 * mm)]


def _grid(rows: list[list], widths: list[float], *, shaded: tuple[int, ...] = ()) -> Table:
    """A line's table: its heading row and the column heads (both repeated on a new page),
    then one row per unit; `shaded` rows are sub-headings."""
    table = Table(rows, colWidths=widths, repeatRows=2)
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("SPAN", (0, 0), (-1, 0)),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, colors.black),
        ("BACKGROUND", (0, 1), (-1, 1), SHADE),
        ("LINEBELOW", (0, 1), (-1, 1), 0.8, colors.black),
        ("LINEBELOW", (0, 2), (-1, -1), 0.4, RULE),
    ]
    for row in shaded:
        commands += [("SPAN", (0, row), (-1, row)), ("BACKGROUND", (0, row), (-1, row), LIGHT)]
    table.setStyle(Style(commands))
    return table


ITEM_WIDTHS = [9 * mm, 35 * mm, None, 34 * mm, 24 * mm]  # the product takes the rest
STOCK_WIDTHS = [9 * mm, 22 * mm, None, 20 * mm, 20 * mm, 30 * mm]


def _widths(widths: list) -> list[float]:
    rest = CONTENT_WIDTH - sum(w for w in widths if w)
    return [w or rest for w in widths]


def _line_heading(line: PickLine) -> Paragraph:
    text = printable(line.what)
    units = _("Ordered: %(n)s", n=line.quantity)
    if line.sent:
        units += " · " + _("Sent: %(n)s", n=line.sent)
    return Paragraph(f"{text} &nbsp;·&nbsp; {printable(units)}", styles()["line"])


def _item_rows(items: list[PickItem], tick: bool) -> list[list]:
    return [
        [
            _TickBox() if tick else "",
            paragraph(item.tag, "bold"),
            paragraph(item.product),
            paragraph(item.serial),
            paragraph(item.inspection),
        ]
        for item in items
    ]


def _items_table(line: PickLine, picked: bool) -> Table:
    heads = [
        "",
        paragraph(_("Asset tag"), "head"),
        paragraph(_("Product"), "head"),
        paragraph(_("Serial no."), "head"),
        paragraph(_("Next inspection"), "head"),
    ]
    rows = [[_line_heading(line), "", "", "", ""], heads, *_item_rows(line.items, True)]
    shaded = []
    if not line.items and (picked or not line.shortage):
        text = _("Nothing was sent on this line.") if picked else _("Nothing to propose.")
        shaded.append(len(rows))
        rows.append([paragraph(text, "small"), "", "", "", ""])
    if line.shortage:
        shaded.append(len(rows))
        rows.append([paragraph(line.shortage, "small"), "", "", "", ""])
    if line.alternatives:
        shaded.append(len(rows))
        rows.append(
            [paragraph(_("Alternatives, if an item cannot be found"), "small"), "", "", "", ""]
        )
        rows += _item_rows(line.alternatives, True)
    return _grid(rows, _widths(ITEM_WIDTHS), shaded=tuple(shaded))


def _stock_table(line: PickLine) -> Table:
    heads = [
        "",
        paragraph(_("HMI no."), "head"),
        paragraph(_("Product"), "head"),
        paragraph(_("Ordered"), "head_num"),
        paragraph(_("In stock"), "head_num"),
        paragraph(_("Sent") if line.sent else _("Picked (count)"), "head"),
    ]
    row = [
        _TickBox(),
        paragraph(line.code or DASH),
        paragraph(line.what),
        paragraph(line.quantity, "num"),
        paragraph(line.stock, "num"),
        paragraph(line.sent or "_" * 14),
    ]
    return _grid([[_line_heading(line), "", "", "", "", ""], heads, row], _widths(STOCK_WIDTHS))


def _signatures() -> KeepTogether:
    blank = "_" * 34
    half = CONTENT_WIDTH / 2
    rows = [
        [paragraph(_("Picked and sent by"), "section"), paragraph(_("Received by"), "section")],
        *(
            [labelled(label, blank), labelled(label, blank)]
            for label in (_("Name"), _("Date"), _("Signature"))
        ),
    ]
    table = Table(rows, colWidths=[half, half])
    table.setStyle(
        Style(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 1), (-1, -1), 5 * mm),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        )
    )
    return KeepTogether([Spacer(1, 6 * mm), table])


def _story(sheet: PickSheet) -> list:
    story = _header(sheet)
    if not sheet.picked:
        story.append(
            paragraph(
                _(
                    "Tick each unit as it is picked. Items are proposed by asset tag, the "
                    "oldest first; another available item of the same type may be sent "
                    "instead: scan it on the send page."
                ),
                "small",
            )
        )
        story.append(Spacer(1, 2 * mm))
    for line in sheet.lines:
        story.append(_stock_table(line) if line.consumable else _items_table(line, sheet.picked))
        story.append(Spacer(1, 3 * mm))
    if sheet.note:
        story.append(KeepTogether([paragraph(_("Note"), "section"), paragraph(sheet.note)]))
    story.append(_signatures())
    return story


def pick_list_pdf(sheet: PickSheet) -> bytes:
    """The pick list as PDF bytes (call inside a request or app context, for the labels)."""
    footer = _(
        "Pick list %(number)s · printed by %(name)s at %(time)s",
        number=sheet.number,
        name=sheet.printed_by,
        time=sheet.printed_at,
    )
    return build_document(
        _story(sheet),
        title=f"{_('Pick list')} {sheet.number}",
        footer=footer,
        watermark=sheet.watermark,
        margin=MARGIN,
    )
