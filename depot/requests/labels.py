"""The words for request, line, reservation and stop states, urgencies and purposes.

One place for every page that shows them (the therapist's, the depot's, the citizen's).
"""

from flask_babel import lazy_gettext as _l

REQUEST_STATE_LABELS = {
    "open": _l("Open"),
    "back_ordered": _l("Back-ordered – waiting for stock"),
    "reserved": _l("Reserved"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Cancelled"),
}
REQUEST_STATE_BADGES = {
    "open": "secondary",
    "back_ordered": "warning",
    "reserved": "info",
    "delivered": "success",
    "cancelled": "dark",
}
URGENCY_LABELS = {
    "normal": _l("Normal"),
    "urgent": _l("Urgent"),
    "after_hours": _l("After hours"),
}
PURPOSE_LABELS = {
    "treatment": _l("Treatment"),
    "training": _l("Training"),
    "compensation": _l("Compensation"),
}
RESERVATION_STATE_LABELS = {
    "reserved": _l("Reserved"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Released"),
}
STOP_STATE_LABELS = {"planned": _l("Planned"), "done": _l("Done"), "failed": _l("Not made")}
