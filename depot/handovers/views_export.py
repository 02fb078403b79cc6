"""Handover exports: the PDF and the FHIR R4 Bundle, each read written to the access log.

Therapists only (403 for other roles). A handover the user may not see (another tenant's,
or a draft of another organisation) is 404. A draft prints for its sender, marked as a draft;
the FHIR export is a message to the receiver and exists only once the handover is sent (409
before). The file names carry the handover's number, never the citizen's CPR number.
"""

from __future__ import annotations

from flask import Blueprint, make_response
from flask_babel import gettext as _
from flask_login import current_user

from depot.citizens.access_log import log_access
from depot.errors import Conflict
from depot.handovers.fhir import handover_fhir_json
from depot.handovers.models import Handover
from depot.handovers.pdf import handover_pdf, sheet_for
from depot.handovers.views import handover_or_404
from depot.web.security import roles_required

bp = Blueprint("handover_exports", __name__, url_prefix="/handovers")

ID = "int(min=1, max=2147483647)"
FHIR_JSON = "application/fhir+json"


def fhir_export(handover: Handover, *, criterion: str) -> str:
    """The FHIR JSON of a sent handover, logged as an export (409 for a draft)."""
    if handover.status == "draft":
        raise Conflict(_("A draft cannot be exported. Send the handover first."))
    body = handover_fhir_json(handover, printed_by=current_user.name)
    log_access(
        user=current_user, action="export", citizen_id=handover.citizen_id, criterion=criterion
    )
    return body


@bp.route(f"/<{ID}:handover_id>/pdf")
@roles_required("therapist")
def pdf(handover_id: int):
    handover = handover_or_404(handover_id)
    data = handover_pdf(sheet_for(handover, printed_by=current_user.name))
    log_access(
        user=current_user,
        action="print",
        citizen_id=handover.citizen_id,
        criterion=f"handover {handover.id} pdf",
    )
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="handover-{handover.id}.pdf"'
    return response


@bp.route(f"/<{ID}:handover_id>/fhir")
@roles_required("therapist")
def fhir(handover_id: int):
    handover = handover_or_404(handover_id)
    response = make_response(fhir_export(handover, criterion=f"handover {handover.id} fhir"))
    response.headers["Content-Type"] = f"{FHIR_JSON}; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="handover-{handover.id}.fhir.json"'
    )
    return response
