"""The purchase order as an A4 PDF: what the supplier reads, in Danish by default.

`sheet_for` turns an order into plain data (`OrderSheet`), with every label translated by
Flask-Babel; `order_pdf` only lays it out: the ordering organisation and the supplier, the
order's number, date, contract and expected delivery, then the lines grouped by delivery
depot (its address), the order cost and the total. The supplier does not care which
organisation a unit is for, so its table has one line per product, depot and unit price (the
order's lines for them summed); which organisation gets how many follows the totals, in a short
internal section for the receiving depot. Black on white with grey rules, in Bitstream Vera
(shipped with reportlab, embedded), as the handover and the run sheet are. A draft or a
cancelled order says so across each page.

The lines start on the first page, right under the heading; a table longer than the page goes
on with its heading row repeated, the heading above a table keeps at least its first rows with
it, and the totals keep the last rows with them (`_Block`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
)
from reportlab.platypus import TableStyle as Style

from depot.organisations.models import utcnow
from depot.purchasing.models import PurchaseOrder
from depot.purchasing.order_queries import goods_total, line_amount, order_total
from depot.purchasing.orders import ORDER_STATE_LABELS
from depot.web.i18n import day, dkk, moment, number
from depot.web.pdf import (
    DASH,
    FONT_BOLD,
    FRAME_PADDING,
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
WATERMARK = colors.Color(0.88, 0.88, 0.88)
SLACK = 1  # points: the frame adds heights up a little differently from `_Block`


@dataclass(frozen=True)
class SheetLine:
    """One product delivered to one depot at one unit price: the order's lines for it summed."""

    hmi_number: str
    product: str
    quantity: str
    unit_price: str
    amount: str
    shares: list[tuple[str, str]] = field(default_factory=list)  # (organisation, quantity)


@dataclass(frozen=True)
class SheetDelivery:
    """One delivery depot: where, when it is open, and the lines delivered there."""

    depot: str
    address: str
    opening_hours: str
    lines: list[SheetLine] = field(default_factory=list)
    subtotal: str = ""


@dataclass(frozen=True)
class OrderSheet:
    number: str
    status: str
    watermark: str  # "" for an order that is sent or received
    buyer: list[tuple[str, str]]
    supplier: list[tuple[str, str]]
    facts: list[tuple[str, str]]
    deliveries: list[SheetDelivery]
    goods_total: str
    order_cost: str
    total: str
    printed_by: str
    printed_at: str
    note: str = ""
    allocation: bool = False  # whether to print which organisation gets how many


# --- from an order to plain data ------------------------------------------------------------


def _or_dash(value) -> str:
    return str(value) if value not in (None, "") else DASH


def _sheet_lines(lines: list) -> list[SheetLine]:
    """The lines of one depot, one per product and unit price, in the order they were added."""
    groups: dict[tuple, list] = {}
    for line in lines:
        groups.setdefault((line.product_id, line.unit_price), []).append(line)
    sheet_lines = []
    for group in groups.values():
        shares: dict[int, list] = {}
        for line in group:
            shares.setdefault(line.organisation_id, []).append(line)
        product = group[0].product
        sheet_lines.append(
            SheetLine(
                hmi_number=_or_dash(product.hmi_number),
                product=product.name,
                quantity=number(sum(line.quantity for line in group)),
                unit_price=dkk(group[0].unit_price),
                amount=dkk(sum(line_amount(line) for line in group)),
                shares=[
                    (own[0].organisation.name, number(sum(line.quantity for line in own)))
                    for own in shares.values()
                ],
            )
        )
    return sheet_lines


def _deliveries(order: PurchaseOrder) -> list[SheetDelivery]:
    by_depot: dict[int, list] = {}
    for line in order.lines:
        by_depot.setdefault(line.depot_id, []).append(line)
    deliveries = []
    for lines in by_depot.values():
        depot = lines[0].depot
        town = " ".join(p for p in (depot.postcode, depot.town) if p)
        deliveries.append(
            SheetDelivery(
                depot=depot.name,
                address=", ".join(p for p in (depot.address, town) if p),
                opening_hours=depot.opening_hours or "",
                lines=_sheet_lines(lines),
                subtotal=dkk(sum(line_amount(line) for line in lines)),
            )
        )
    return deliveries


def sheet_for(order: PurchaseOrder, *, printed_by: str) -> OrderSheet:
    """The plain data of the order's PDF, in the current language."""
    supplier = order.supplier
    orderer = order.sent_by or order.created_by
    contract = order.contract
    status = str(ORDER_STATE_LABELS.get(order.status, order.status))
    return OrderSheet(
        number=order.number,
        status=status,
        watermark=status.upper() if order.status in ("draft", "cancelled") else "",
        buyer=[
            (_("Organisation"), order.organisation.name),
            (_("Town"), _or_dash(order.organisation.town)),
            (_("Contact"), orderer.name if orderer else DASH),
            (_("Email"), orderer.email if orderer else DASH),
        ],
        supplier=[
            (_("Name"), supplier.name),
            (_("CVR number"), _or_dash(supplier.cvr)),
            (_("Email"), _or_dash(supplier.email)),
            (_("Phone"), _or_dash(supplier.phone)),
        ],
        facts=[
            (_("Order date"), day(order.sent_at or order.created_at)),
            (_("Contract"), f"{contract.reference} {contract.title}" if contract else DASH),
            (_("Expected delivery"), day(order.expected_delivery)),
        ],
        deliveries=_deliveries(order),
        goods_total=dkk(goods_total(order)),
        order_cost=dkk(order.order_cost),
        total=dkk(order_total(order)),
        printed_by=printed_by,
        printed_at=moment(utcnow()),
        note=order.note or "",
        # Nothing to split when every line is for the organisation that orders.
        allocation=any(line.organisation_id != order.organisation_id for line in order.lines),
    )


# --- layout ---------------------------------------------------------------------------------


def _header(sheet: OrderSheet) -> list:
    box = [
        paragraph(_("Order no. %(number)s", number=sheet.number), "number"),
        *(labelled(label, value) for label, value in sheet.facts),
        # As written everywhere else ("Kladde", "Sendt"); the mark across the page has capitals.
        labelled(_("Status"), sheet.status),
    ]
    top = Table(
        [[paragraph(_("Purchase order"), "title"), box]],
        colWidths=[CONTENT_WIDTH - 72 * mm, 72 * mm],
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
    parties = facts_side_by_side(
        (_("Ordered by"), sheet.buyer, 28 * mm),
        (_("Supplier"), sheet.supplier, 28 * mm),
        CONTENT_WIDTH,
    )
    return [top, Spacer(1, 2 * mm), parties]


def _grid(rows: list[list], widths: list[float], *, total_rows: int = 0) -> Table:
    """A table with a shaded heading row (repeated on each page), grey rules and, if any, bold
    total rows at the end."""
    table = Table(rows, colWidths=widths, repeatRows=1)
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
    ]
    if total_rows:
        commands.append(("LINEABOVE", (0, -total_rows), (-1, -total_rows), 0.8, colors.black))
    table.setStyle(Style(commands))
    return table


class _Block(Flowable):
    """A heading, a table and what follows it, flowing like the table does, but never with the
    heading at the foot of a page without at least `keep` of the table's rows under it, nor what
    follows at the top of a page without the table's last `keep` rows above it.

    Like KeepTogether, it asks to be split, and the split hands the frame the pieces that fit.
    """

    def __init__(self, head: list, table: Table, tail: list, keep: int = 2):
        super().__init__()
        self.head, self.table, self.tail, self.keep = head, table, tail, keep

    def wrap(self, aW, aH):
        return aW, 0xFFFFFF  # always split

    @staticmethod
    def _height(flowables: list, aW: float, aH: float) -> float:
        return sum(f.wrap(aW, aH)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables)

    def split(self, aW, aH):
        head = self._height(self.head, aW, aH)
        tail = self._height(self.tail, aW, aH)
        self.table.wrap(aW, aH)
        heights = list(self.table._rowHeights)
        if head + sum(heights) + tail <= aH:
            return [*self.head, self.table, *self.tail]
        repeat = self.table.repeatRows
        keep = min(self.keep, max(len(heights) - repeat - 1, 0))
        room = aH - head - SLACK
        if sum(heights) > room:  # the table goes on over the page
            rows, used = 0, 0.0
            while rows < len(heights) and used + heights[rows] <= room:
                used += heights[rows]
                rows += 1
        else:  # the table fits, what follows does not: the last rows go along with it
            rows = len(heights) - max(keep, 1)
        rows = min(rows, len(heights) - keep)
        if rows >= repeat + max(keep, 1):
            parts = self.table.split(aW, sum(heights[:rows]) + SLACK / 2)
            if len(parts) == 2:
                # The rest on the next page, not split again under the first part.
                rest = _Block([], parts[1], self.tail, self.keep)
                return [*self.head, parts[0], PageBreak(), rest]
        if not getattr(self, "_postponed", False):
            return []  # to the next page
        # Already moved once, to the top of a page, and still no good split: flow as it is.
        if not self.head and sum(heights) > aH:
            return [*self.table.split(aW, aH), *self.tail]
        return [*self.head, self.table, *self.tail]


SUPPLIER_WIDTHS = [20 * mm, None, 16 * mm, 28 * mm, 32 * mm]  # the product takes the rest


def _widths(widths: list) -> list[float]:
    rest = CONTENT_WIDTH - sum(w for w in widths if w)
    return [w or rest for w in widths]


def _delivery(delivery: SheetDelivery, *, subtotal: bool, tail: list) -> _Block:
    heads = [
        paragraph(_("HMI no."), "head"),
        paragraph(_("Product"), "head"),
        paragraph(_("Qty"), "head_num"),
        paragraph(_("Unit price"), "head_num"),
        paragraph(_("Amount"), "head_num"),
    ]
    rows = [heads]
    rows += [
        [
            paragraph(line.hmi_number),
            paragraph(line.product),
            paragraph(line.quantity, "num"),
            paragraph(line.unit_price, "num"),
            paragraph(line.amount, "num"),
        ]
        for line in delivery.lines
    ]
    if subtotal:
        total = paragraph(delivery.subtotal, "bold_num")
        rows.append(["", paragraph(_("Subtotal for this address"), "bold"), "", "", total])
    address = [
        paragraph(_("Delivery to %(depot)s", depot=delivery.depot), "section"),
        labelled(_("Address"), delivery.address),
    ]
    if delivery.opening_hours:
        address.append(labelled(_("Opening hours"), delivery.opening_hours))
    address.append(Spacer(1, 1 * mm))
    table = _grid(rows, _widths(SUPPLIER_WIDTHS), total_rows=1 if subtotal else 0)
    return _Block(address, table, tail)


def _totals(sheet: OrderSheet) -> Table:
    label_width = 50 * mm
    rows = [
        [paragraph(_("Goods"), "body"), paragraph(sheet.goods_total, "num")],
        [paragraph(_("Order cost"), "body"), paragraph(sheet.order_cost, "num")],
        [paragraph(_("Total"), "bold"), paragraph(sheet.total, "bold_num")],
    ]
    table = Table(rows, colWidths=[label_width, 35 * mm], hAlign="RIGHT")
    table.setStyle(
        Style(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, colors.black),
            ]
        )
    )
    return table


ALLOCATION_WIDTHS = [20 * mm, 52 * mm, 16 * mm, None]  # the split takes the rest


def _shares(line: SheetLine) -> Paragraph:
    """'Herning Kommune 3 · Holstebro Kommune 1', each quantity in bold."""
    parts = [
        f"{printable(name)}&nbsp;<font name='{FONT_BOLD}'>{printable(quantity)}</font>"
        for name, quantity in line.shares
    ]
    return Paragraph(" · ".join(parts), styles()["body"])


def _allocation(sheet: OrderSheet) -> list[_Block]:
    """Which organisation gets how many of each line, per depot: for the depot receiving it."""
    heads = [
        paragraph(_("HMI no."), "head"),
        paragraph(_("Product"), "head"),
        paragraph(_("Qty"), "head_num"),
        paragraph(_("For (organisation and quantity)"), "head"),
    ]
    blocks = []
    for n, delivery in enumerate(sheet.deliveries):
        head: list = []
        if n == 0:
            head += [
                paragraph(_("Allocation (internal)"), "section"),
                paragraph(
                    _("For the receiving depot: which organisation each quantity is for."), "small"
                ),
            ]
        if len(sheet.deliveries) > 1:
            head.append(paragraph(delivery.depot, "depot"))
        head.append(Spacer(1, 1 * mm))
        rows = [heads] + [
            [
                paragraph(line.hmi_number),
                paragraph(line.product),
                paragraph(line.quantity, "num"),
                _shares(line),
            ]
            for line in delivery.lines
        ]
        blocks.append(_Block(head, _grid(rows, _widths(ALLOCATION_WIDTHS)), []))
    return blocks


def _story(sheet: OrderSheet) -> list:
    story = _header(sheet)
    totals = [Spacer(1, 4 * mm), _totals(sheet)]
    many = len(sheet.deliveries) > 1
    for n, delivery in enumerate(sheet.deliveries, start=1):
        last = n == len(sheet.deliveries)
        story.append(_delivery(delivery, subtotal=many, tail=totals if last else []))
    if not sheet.deliveries:
        story += totals
    if sheet.note:
        story += [KeepTogether([paragraph(_("Note"), "section"), paragraph(sheet.note)])]
    if sheet.allocation:
        story += _allocation(sheet)
    return story


def order_pdf(sheet: OrderSheet) -> bytes:
    """The purchase order as PDF bytes (call inside a request or app context, for the labels)."""
    footer = _(
        "Purchase order %(number)s · printed by %(name)s at %(time)s",
        number=sheet.number,
        name=sheet.printed_by,
        time=sheet.printed_at,
    )
    return build_document(
        _story(sheet),
        title=f"{_('Purchase order')} {sheet.number}",
        footer=footer,
        watermark=sheet.watermark,
        margin=MARGIN,
    )
