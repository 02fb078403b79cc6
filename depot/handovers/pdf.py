"""The handover as an A4 PDF: what the receiving therapist and the depot read on paper.

`sheet_for` turns a handover into plain data (`HandoverSheet`), with every label translated
by Flask-Babel (Danish by default); `handover_pdf` only lays that data out. One or two pages
for a normal handover, black on white with grey rules (nothing is told by colour alone), so
it prints and copies in black and white. A draft says so in its heading and across each page.
The text is set in Bitstream Vera (shipped with reportlab, embedded), as the run sheet and the
item labels are, so that æ, ø and å print on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table
from reportlab.platypus import TableStyle as Style

from depot.clarification.services import party_label
from depot.handovers.labels import DELAY_CAUSE_LABELS, STATE_LABELS
from depot.handovers.models import Handover, HandoverDevice
from depot.organisations.models import utcnow
from depot.requests import measurements
from depot.web.i18n import current_language, moment
from depot.web.pdf import (
    DASH,
    FONT_BOLD,
    FRAME_PADDING,
    PAGE_WIDTH,
    RULE,
    SHADE,
    build_document,
    facts,
    facts_side_by_side,
    labelled,
    paragraph,
    printable,
    styles,
)

MARGIN = 12 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN - 2 * FRAME_PADDING
WATERMARK = colors.Color(0.88, 0.88, 0.88)


@dataclass(frozen=True)
class SheetDevice:
    """A device row: in use (title, quantity, note) or needed (and the rest)."""

    title: str
    iso_code: str
    quantity: int
    measurements: list[str] = field(default_factory=list)  # "Sædebredde (cm): 46"
    note: str = ""
    needed_by: str = ""
    duration: str = ""
    suggested: str = ""  # the catalogue's party
    delivered_by: str = ""
    override_reason: str = ""
    delivered: str = ""  # who did deliver, once recorded


@dataclass(frozen=True)
class SheetContact:
    name: str
    relation: str
    phone: str
    has_key: str


@dataclass(frozen=True)
class HandoverSheet:
    title: str
    number: int
    status: str
    draft: bool
    sent_at: str
    citizen: list[tuple[str, str]]  # (label, value)
    hospital: list[tuple[str, str]]
    home: list[tuple[str, str]]
    printed_by: str
    printed_at: str
    home_situation: str = ""
    access_note: str = ""
    devices_in_use: list[SheetDevice] = field(default_factory=list)
    devices_needed: list[SheetDevice] = field(default_factory=list)
    contacts: list[SheetContact] = field(default_factory=list)
    consent: str = ""
    note: str = ""
    outcome: list[tuple[str, str]] = field(default_factory=list)


# --- from a handover to plain data ----------------------------------------------------------


def _yes_no(value: bool | None) -> str:
    if value is None:
        return DASH
    return _("Yes") if value else _("No")


def _title(kind: str) -> str:
    if kind == "admission":
        return _("Admission report – assistive devices")
    return _("Discharge report – assistive devices")


def measurement_lines(device: HandoverDevice) -> list[str]:
    """The device's measurements as "label: value", in the product type's order."""
    values = measurements.parse(device.measurements)
    order = device.product_type.measurement_list
    names = sorted(values, key=lambda n: (order.index(n) if n in order else len(order), n))
    return [f"{measurements.label(name)}: {values[name]}" for name in names]


def _device(device: HandoverDevice, locale: str) -> SheetDevice:
    product_type = device.product_type
    common = {
        "title": product_type.title(locale),
        "iso_code": product_type.iso_code,
        "quantity": device.quantity,
        "measurements": measurement_lines(device),
        "note": device.note or "",
    }
    if device.section != "needed":
        return SheetDevice(**common)
    duration = (
        _("%(days)s days", days=device.expected_duration_days)
        if device.expected_duration_days
        else _("Lasting")
    )
    return SheetDevice(
        **common,
        needed_by=moment(device.needed_by) if device.needed_by else DASH,
        duration=duration,
        suggested=party_label(device.suggested_party),
        delivered_by=party_label(device.delivered_by),
        override_reason=(device.override_reason or "") if device.overridden else "",
        delivered=party_label(device.actual_party) if device.actual_party else "",
    )


def _home(handover: Handover) -> list[tuple[str, str]]:
    return [
        (_("Floor"), handover.floor or DASH),
        (
            _("Steps of stairs"),
            DASH if handover.stairs_steps is None else str(handover.stairs_steps),
        ),
        (_("Lift"), _yes_no(handover.has_lift)),
        (
            _("Narrowest door"),
            DASH if handover.door_width_cm is None else f"{handover.door_width_cm} cm",
        ),
        (_("Key box"), _yes_no(handover.has_key_box)),
    ]


def _outcome(handover: Handover) -> list[tuple[str, str]]:
    if handover.discharged_at is None:
        return []
    rows = [
        (_("Discharged"), moment(handover.discharged_at)),
        (_("Waited for a device"), _("%(hours)s hours", hours=handover.delay_hours or 0)),
    ]
    if handover.delay_cause:
        rows.append((_("Cause"), str(DELAY_CAUSE_LABELS.get(handover.delay_cause, DASH))))
    if handover.delay_note:
        rows.append((_("Note"), handover.delay_note))
    return rows


def sheet_for(handover: Handover, *, printed_by: str) -> HandoverSheet:
    """The plain data of the handover's PDF, in the current language."""
    locale = current_language()
    citizen = handover.citizen
    town = " ".join(p for p in (citizen.postcode, citizen.town) if p)
    contact = handover.contact_name or DASH
    return HandoverSheet(
        title=_title(handover.kind),
        number=handover.id,
        status=str(STATE_LABELS.get(handover.status, handover.status)),
        draft=handover.status == "draft",
        sent_at=moment(handover.sent_at) if handover.sent_at else DASH,
        citizen=[
            (_("CPR number"), citizen.cpr),
            (_("Name"), citizen.name),
            (_("Address"), ", ".join(p for p in (citizen.address, town) if p) or DASH),
            (_("Phone"), citizen.phone or DASH),
            (_("Municipality"), citizen.municipality.name),
        ],
        hospital=[
            (_("From"), handover.sender.name),
            (_("To"), handover.receiver.name),
            (_("Hospital department"), handover.department or DASH),
            (_("Contact therapist"), contact),
            (_("Phone"), handover.contact_phone or DASH),
            (_("Admitted"), moment(handover.admitted_at)),
            (_("Expected discharge"), moment(handover.expected_discharge_at)),
        ],
        home=_home(handover),
        home_situation=handover.home_situation or "",
        access_note=handover.access_note or "",
        devices_in_use=[_device(d, locale) for d in handover.devices_in_use],
        devices_needed=[_device(d, locale) for d in handover.devices_needed],
        contacts=[
            SheetContact(
                name=c.name,
                relation=c.relation or DASH,
                phone=c.phone or DASH,
                has_key=_yes_no(c.has_key),
            )
            for c in handover.contacts
        ],
        consent=(
            _("The citizen consents to the relatives and neighbours being contacted.")
            if handover.consent_to_contact
            else _("The citizen has not consented to the relatives and neighbours being contacted.")
        ),
        note=handover.note or "",
        outcome=_outcome(handover),
        printed_by=printed_by,
        printed_at=moment(utcnow()),
    )


# --- layout ---------------------------------------------------------------------------------


def _lines(*parts: tuple[str, str | None]) -> Paragraph:
    """Lines of text in one cell; each part is (style, text) with style 'b' (bold) or ''."""
    out = []
    for style, text in parts:
        if not text:
            continue
        markup = printable(text)
        out.append(f"<font name='{FONT_BOLD}'>{markup}</font>" if style == "b" else markup)
    return Paragraph("<br/>".join(out) or DASH, styles()["body"])


def _section(title: str) -> Paragraph:
    return paragraph(title, "section")


def _grid(rows: list[list], widths: list[float], *, head: bool = True) -> Table:
    """A table with grey rules between rows and, if `head`, a shaded heading row."""
    table = Table(rows, colWidths=widths, repeatRows=1 if head else 0)
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, colors.black),
    ]
    if head:
        commands += [
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ]
    table.setStyle(Style(commands))
    return table


def _header(sheet: HandoverSheet) -> list:
    status = sheet.status.upper() if sheet.draft else sheet.status
    box = [
        paragraph(_("Handover no. %(number)s", number=sheet.number), "number"),
        labelled(_("Status"), status),
        labelled(_("Sent"), sheet.sent_at),
    ]
    title = paragraph(sheet.title, "title")
    table = Table([[title, box]], colWidths=[CONTENT_WIDTH - 58 * mm, 58 * mm])
    table.setStyle(
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
        (_("Citizen"), sheet.citizen, 26 * mm),
        (_("Hospital and contact"), sheet.hospital, 34 * mm),
        CONTENT_WIDTH,
    )
    return [table, Spacer(1, 2 * mm), parties]


def _in_use(devices: list[SheetDevice]) -> list:
    flowables = [_section(_("Devices in use"))]
    if not devices:
        return [*flowables, paragraph(_("None recorded."))]
    widths = [62 * mm, 18 * mm, 12 * mm, 50 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    rows = [
        [
            paragraph(h, "head")
            for h in (_("Device"), _("ISO"), _("Qty"), _("Measurements"), _("Note"))
        ]
    ]
    rows += [
        [
            paragraph(d.title),
            paragraph(d.iso_code),
            paragraph(str(d.quantity)),
            _lines(*[("", m) for m in d.measurements]),
            paragraph(d.note or DASH, "small"),
        ]
        for d in devices
    ]
    return [*flowables, _grid(rows, widths)]


def _needed(devices: list[SheetDevice]) -> list:
    flowables = [_section(_("Devices needed"))]
    if not devices:
        return [*flowables, paragraph(_("None recorded."))]
    widths = [46 * mm, 13 * mm, 48 * mm, 30 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    heads = (
        _("Device"),
        _("Qty"),
        _("Measurements"),
        _("Needed by / duration"),
        _("Delivered by"),
    )
    rows = [[paragraph(h, "head") for h in heads]]
    for d in devices:
        delivery = [
            ("b", d.delivered_by),
            ("", _("Catalogue: %(party)s", party=d.suggested)),
        ]
        if d.override_reason:
            delivery.append(("", _("Reason for deviating: %(reason)s", reason=d.override_reason)))
        if d.delivered:
            delivery.append(("", _("Delivered by: %(party)s", party=d.delivered)))
        rows.append(
            [
                _lines(("b", d.title), ("", f"ISO {d.iso_code}"), ("", d.note)),
                paragraph(str(d.quantity)),
                _lines(*[("", m) for m in d.measurements]) if d.measurements else paragraph(DASH),
                _lines(("", d.needed_by), ("", d.duration)),
                _lines(*delivery),
            ]
        )
    return [*flowables, _grid(rows, widths)]


def _home_block(sheet: HandoverSheet) -> list:
    rows = [
        [paragraph(label, "head") for label, _value in sheet.home],
        [paragraph(value) for _label, value in sheet.home],
    ]
    width = CONTENT_WIDTH / len(sheet.home)
    flowables = [_section(_("Access to the home")), _grid(rows, [width] * len(sheet.home))]
    if sheet.access_note:
        flowables += [Spacer(1, 1 * mm), labelled(_("Access"), sheet.access_note)]
    if sheet.home_situation:
        flowables += [Spacer(1, 1 * mm), labelled(_("Home situation"), sheet.home_situation)]
    return [KeepTogether(flowables)]


def _contacts(sheet: HandoverSheet) -> list:
    flowables = [_section(_("Relatives and neighbours"))]
    if sheet.contacts:
        widths = [60 * mm, 45 * mm, 40 * mm]
        widths.append(CONTENT_WIDTH - sum(widths))
        heads = (_("Name"), _("Relation"), _("Phone"), _("Has a key"))
        rows = [[paragraph(h, "head") for h in heads]]
        rows += [
            [
                paragraph(c.name, "bold"),
                paragraph(c.relation),
                paragraph(c.phone),
                paragraph(c.has_key),
            ]
            for c in sheet.contacts
        ]
        flowables.append(_grid(rows, widths))
    else:
        flowables.append(paragraph(_("None recorded.")))
    flowables += [Spacer(1, 1 * mm), labelled(_("Consent"), sheet.consent)]
    return [KeepTogether(flowables)]


def _story(sheet: HandoverSheet) -> list:
    story = _header(sheet)
    story += _in_use(sheet.devices_in_use)
    story += _needed(sheet.devices_needed)
    story += _home_block(sheet)
    story += _contacts(sheet)
    if sheet.note:
        story += [KeepTogether([_section(_("Notes")), paragraph(sheet.note)])]
    if sheet.outcome:
        width = CONTENT_WIDTH
        story += [KeepTogether([_section(_("Discharge")), facts(sheet.outcome, width, 40 * mm)])]
    return story


def handover_pdf(sheet: HandoverSheet) -> bytes:
    """The handover as PDF bytes (call inside a request or app context, for the labels)."""
    footer = _(
        "Handover no. %(number)s · printed by %(name)s at %(time)s",
        number=sheet.number,
        name=sheet.printed_by,
        time=sheet.printed_at,
    )
    return build_document(
        _story(sheet),
        title=f"{sheet.title} {sheet.number}",
        footer=footer,
        watermark=sheet.status.upper() if sheet.draft else "",
        margin=MARGIN,
        watermark_size=90,
    )
