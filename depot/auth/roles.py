"""Human labels for the roles."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "depot_staff": _l("Depot staff"),
    "therapist": _l("Therapist"),
    "procurement": _l("Procurement"),
    "coordinator": _l("Coordinator"),
    "admin": _l("Administrator"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))
