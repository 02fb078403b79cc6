"""API routes under /api/v1: load → service → dump.

Session-authenticated (the app's login); therapists only, like the handover pages. Errors are
JSON (`{"error": …, "status": …}`; the app answers JSON for every /api/ path). A handover the
user may not see is 404, whichever tenant it belongs to. Every read of a handover writes an
access-log row per citizen shown; a FHIR download is logged as an export.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from api.schemas import HandoverListArgs, HandoverSchema, HandoverSummarySchema
from depot.citizens.access_log import log_access
from depot.extensions import db
from depot.handovers import queries
from depot.handovers.models import Handover
from depot.handovers.views_export import FHIR_JSON, fhir_export, handover_or_404
from depot.web.security import roles_required

bp = Blueprint("api", __name__, url_prefix="/api/v1")

ID = "int(min=1, max=2147483647)"


def _bad_request(errors: dict):
    message = _("The request could not be understood.")
    return jsonify(error=message, status=400, fields=errors), 400


def _links(handover: Handover) -> dict:
    links = {
        "self": url_for(".handover", handover_id=handover.id),
        "pdf": url_for("handover_exports.pdf", handover_id=handover.id),
    }
    if handover.status != "draft":
        links["fhir"] = url_for(".handover_fhir", handover_id=handover.id)
    return links


@bp.route("/handovers")
@roles_required("therapist")
def handovers():
    try:
        args = HandoverListArgs().load(request.args)
    except ValidationError as exc:
        return _bad_request(exc.messages)
    page = db.paginate(
        queries.box_query(organisation_id=current_user.organisation_id, box=args["box"]),
        page=args["page"],
        per_page=args["per_page"],
        error_out=False,
        max_per_page=None,
    )
    for citizen_id in sorted({h.citizen_id for h in page.items}):
        log_access(
            user=current_user,
            action="handover_list",
            citizen_id=citizen_id,
            criterion=f"api handovers: {args['box']}",
        )
    schema = HandoverSummarySchema()
    items = [{**schema.dump(h), "links": _links(h)} for h in page.items]
    return jsonify(
        items=items,
        box=args["box"],
        page=page.page,
        per_page=page.per_page,
        total=page.total,
    )


@bp.route(f"/handovers/<{ID}:handover_id>")
@roles_required("therapist")
def handover(handover_id: int):
    found = handover_or_404(handover_id)
    log_access(
        user=current_user,
        action="view",
        citizen_id=found.citizen_id,
        criterion=f"api handover {found.id}",
    )
    return jsonify({**HandoverSchema().dump(found), "links": _links(found)})


@bp.route(f"/handovers/<{ID}:handover_id>/fhir")
@roles_required("therapist")
def handover_fhir(handover_id: int):
    found = handover_or_404(handover_id)
    response = make_response(fhir_export(found, criterion=f"api handover {found.id} fhir"))
    response.headers["Content-Type"] = f"{FHIR_JSON}; charset=utf-8"
    return response
