"""The words for deviation case states, causes and settlements."""

from flask_babel import lazy_gettext as _l

CASE_STATE_LABELS = {
    "open": _l("Open"),
    "discussed": _l("Discussed"),
    "concluded": _l("Concluded"),
}
CASE_STATE_BADGES = {"open": "warning", "discussed": "info", "concluded": "success"}
CAUSE_LABELS = {
    "catalogue_unclear": _l("The catalogue was unclear"),
    "handover_error": _l("Error in the handover"),
    "municipality_late": _l("The municipality could not deliver in time"),
    "after_hours": _l("After-hours discharge"),
    "other": _l("Other"),
}
SETTLEMENT_LABELS = {
    "none": _l("Not settled"),
    "returned": _l("Device returned"),
    "taken_over": _l("Device taken over"),
}
