"""The words for handover kinds, states, sections, parties and delay causes (one place for the
pages, the PDF and the exports)."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "admission": _l("Admission notice"),
    "discharge": _l("Discharge handover"),
}
STATE_LABELS = {
    "draft": _l("Draft"),
    "sent": _l("Sent"),
    "acknowledged": _l("Acknowledged"),
}
STATE_BADGES = {"draft": "secondary", "sent": "primary", "acknowledged": "success"}
SECTION_LABELS = {
    "in_use": _l("Devices in use"),
    "needed": _l("Devices needed"),
}
DELAY_CAUSE_LABELS = {
    "device_not_ready": _l("The device was not ready"),
    "device_wrong": _l("The wrong device or size was delivered"),
    "measurements_missing": _l("Measurements were missing"),
    "responsibility_unclear": _l("It was unclear who should deliver"),
    "delivery_capacity": _l("No delivery in time"),
    "other": _l("Other"),
}
