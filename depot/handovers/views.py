"""Handover pages: inbox, write and send, read and acknowledge, needs to requests.

Therapists only (403 for other roles). A handover is seen by the sending organisation's
therapists and, once sent, by the receiving organisation's (depot.handovers.access); anyone
else gets 404, and the denial is access-logged. Every list, search, read and change writes an
access-log row; CPR numbers are searched by POST and never written to a URL or a criterion.

This module holds the inbox and the writing of a handover; views_page.py the handover page
and the actions on it (same blueprint).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from depot.auth.models import User
from depot.citizens.access_log import log_access
from depot.citizens.grants import may_view_citizen
from depot.citizens.models import Citizen
from depot.citizens.services import citizen_by_cpr
from depot.clarification.services import party_label, suggest_party
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.handovers import queries, services
from depot.handovers.access import may_edit_handover, may_view_handover
from depot.handovers.forms import MEASUREMENT_NAMES, HandoverForm
from depot.handovers.forms_actions import ActionForm, HandoverSearchForm
from depot.handovers.labels import KIND_LABELS, SECTION_LABELS, STATE_BADGES, STATE_LABELS
from depot.handovers.models import KINDS, Handover
from depot.organisations.models import Organisation
from depot.web.forms import parse_id
from depot.web.lists import paginate
from depot.web.security import roles_required

bp = Blueprint("handovers", __name__, url_prefix="/handovers")

ID = "int(min=1, max=2147483647)"
HANDOVER_ROLES = ("therapist",)


@bp.record_once
def _register_template_globals(state) -> None:
    state.app.jinja_env.globals.update(
        handover_kind_labels=KIND_LABELS,
        handover_state_labels=STATE_LABELS,
        handover_state_badges=STATE_BADGES,
        handover_section_labels=SECTION_LABELS,
        party_label=party_label,
        citizen_handovers=citizen_handovers,
    )


@bp.app_context_processor
def inject_unread_handovers() -> dict:
    """`handover_unread`: the navigation's count of unread handovers (therapists only)."""
    if not (current_user.is_authenticated and current_user.role == "therapist"):
        return {"handover_unread": 0}
    try:
        return {"handover_unread": queries.unread_handover_count(current_user)}
    except SQLAlchemyError:  # an error page while the database is away: no count
        db.session.rollback()
        return {"handover_unread": 0}


# --- helpers --------------------------------------------------------------------------------


def _deny(citizen_id: int, criterion: str):
    # The error page rolls back; keep_after_rollback writes the row again.
    log_access(user=current_user, action="view_denied", citizen_id=citizen_id, criterion=criterion)
    abort(404)


def handover_or_404(handover_id: int) -> Handover:
    """The handover, if the user's organisation may see it; otherwise 404 (denial logged)."""
    handover = db.session.get(Handover, handover_id)
    if handover is None:
        abort(404)
    if not may_view_handover(current_user, handover):
        _deny(handover.citizen_id, f"handover {handover.id}")
    return handover


def _citizen_or_404(citizen_id: int | None) -> Citizen:
    citizen = db.session.get(Citizen, citizen_id) if citizen_id else None
    if citizen is None:
        abort(404)
    if not may_view_citizen(current_user, citizen):
        _deny(citizen.id, "new handover")
    return citizen


def may_start_handover(user: User, citizen: Citizen, kind: str) -> bool:
    """Discharge handovers come from the hospital (the region); admission notices from the
    citizen's municipality."""
    if user.role != "therapist":
        return False
    if kind == "discharge":
        return user.organisation.kind == "region"
    return kind == "admission" and user.organisation_id == citizen.municipality_id


def citizen_handovers(citizen: Citizen) -> dict:
    """For the citizen page: the citizen's handovers the user sees, and what the user may
    start. Nothing for other roles."""
    if not (current_user.is_authenticated and current_user.role == "therapist"):
        return {"handovers": [], "kinds": []}
    return {
        "handovers": queries.handovers_of_citizen(
            organisation_id=current_user.organisation_id, citizen_id=citizen.id
        ),
        "kinds": [k for k in KINDS if may_start_handover(current_user, citizen, k)],
    }


def _receiver_of(kind: str, citizen: Citizen) -> Organisation | None:
    """Whom a new handover of this kind goes to (as start_handover decides)."""
    if kind == "discharge":
        return citizen.municipality
    return db.session.scalar(
        select(Organisation)
        .where(Organisation.kind == "region", Organisation.active)
        .order_by(Organisation.id)
    )


# --- the inbox ------------------------------------------------------------------------------


def _box() -> str:
    box = request.args.get("box", "inbox")
    return box if box in queries.BOXES else "inbox"


def _search(form, box: str) -> tuple[list[Handover], str | None]:
    """The box's handovers of the citizen searched for; the search is access-logged."""
    org = current_user.organisation_id
    if form.cpr is not None:
        citizen = citizen_by_cpr(cpr=form.cpr)
        rows = []
        if citizen is not None:
            stmt = queries.box_query(organisation_id=org, box=box, citizen_id=citizen.id)
            rows = list(db.session.scalars(stmt.limit(queries.SEARCH_RESULTS_MAX)))
        seen = citizen is not None and (rows or may_view_citizen(current_user, citizen))
        log_access(
            user=current_user,
            action="search" if seen or citizen is None else "search_denied",
            citizen_id=citizen.id if citizen is not None else None,
            criterion="handover: cpr",
        )
        return rows, None if rows else _("No handover in this box for this CPR number.")
    log_access(user=current_user, action="search", criterion=f"handover: name {form.name_text}")
    stmt = queries.box_query(organisation_id=org, box=box, name=form.name_text)
    rows = list(db.session.scalars(stmt.limit(queries.SEARCH_RESULTS_MAX)))
    message = None
    if not rows:
        message = _(
            "No handover in this box for a name containing “%(text)s”.", text=form.name_text
        )
    return rows, message


@bp.route("/", methods=["GET", "POST"])
@roles_required(*HANDOVER_ROLES)
def inbox():
    box = _box()
    form = HandoverSearchForm()
    pagination = None
    message = None
    searched = form.validate_on_submit()
    if searched:
        rows, message = _search(form, box)
    else:
        pagination = paginate(
            queries.box_query(organisation_id=current_user.organisation_id, box=box)
        )
        rows = pagination.items
    # The list shows citizens' names: a row per citizen shown, so each citizen's extract has it.
    for citizen_id in sorted({h.citizen_id for h in rows}):
        log_access(
            user=current_user,
            action="handover_list",
            citizen_id=citizen_id,
            criterion=f"handovers: {box}",
        )
    return render_template(
        "handovers/inbox.html",
        box=box,
        rows=rows,
        pagination=pagination,
        form=form,
        searched=searched,
        message=message,
        counts=queries.box_counts(organisation_id=current_user.organisation_id),
        search_max=queries.SEARCH_RESULTS_MAX,
    )


# --- a new handover -------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*HANDOVER_ROLES)
def new():
    kind = request.args.get("kind", "")
    if kind not in KINDS:
        abort(404)
    citizen = _citizen_or_404(parse_id(request.args.get("citizen")))
    if not may_start_handover(current_user, citizen, kind):
        abort(403)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        handover = services.start_handover(
            kind=kind,
            citizen_id=citizen.id,
            sender_id=current_user.organisation_id,
            user=current_user,
        )
        log_access(
            user=current_user,
            action="handover_create",
            citizen_id=citizen.id,
            criterion=f"handover {handover.id}",
        )
        flash(
            _("The draft is ready. Fill it in, save it, and send it when it is complete."), "info"
        )
        return redirect(url_for(".edit", handover_id=handover.id))
    log_access(user=current_user, action="view", citizen_id=citizen.id, criterion="new handover")
    return render_template(
        "handovers/new.html",
        kind=kind,
        citizen=citizen,
        form=form,
        receiver=_receiver_of(kind, citizen),
        items=queries.items_on_loan(citizen_id=citizen.id),
        draft=queries.open_draft(
            organisation_id=current_user.organisation_id, citizen_id=citizen.id, kind=kind
        ),
    )


# --- writing a draft ------------------------------------------------------------------------


def _types_for(form: HandoverForm):
    return queries.device_types(
        include_ids=[row.product_type_id.data for row in form.device_rows()]
    )


def _suggestions(form: HandoverForm, handover: Handover, stored: bool) -> list:
    """Per device row: the catalogue's suggestion shown beside it (needed rows), or None.

    A loaded form shows what was stored with each row; a re-shown form what saving would
    store for the type and duration typed.
    """
    rows = form.device_rows()
    saved = list(handover.devices) if stored else []
    result = []
    for index, row in enumerate(rows):
        if not row.needed or row.product_type is None:
            result.append(None)
        elif index < len(saved) and saved[index].product_type_id == row.product_type.id:
            result.append((saved[index].suggested_party, saved[index].suggestion_reason))
        else:
            days = row.duration_days.data if not row.duration_days.errors else None
            suggestion = suggest_party(product_type=row.product_type, expected_duration_days=days)
            result.append((suggestion.party, suggestion.reason))
    return result


def _render_edit(form, handover, *, status=200, stored=False, conflict=None):
    form.ensure_blank_rows()
    form.set_choices(_types_for(form))
    log_access(
        user=current_user,
        action="view",
        citizen_id=handover.citizen_id,
        criterion=f"handover {handover.id} form",
    )
    return render_template(
        "handovers/edit.html",
        h=handover,
        form=form,
        suggestions=_suggestions(form, handover, stored),
        measurement_names=MEASUREMENT_NAMES,
        conflict=conflict,
        missing=services.missing_for_sending(handover) if stored else [],
    ), status


def _render_conflict(form, current: Handover):
    """The second editor's form, kept as typed, with the saved version's number: saving
    again overwrites it deliberately."""
    form.version.data = str(current.version)
    return _render_edit(form, current, status=409, conflict=current)


def _allowed_items(handover: Handover) -> set[int]:
    """Items an in-use row may point at: those already on the handover and those on loan."""
    ids = {row.item_id for row in handover.devices if row.item_id}
    return ids | {item.id for item in queries.items_on_loan(citizen_id=handover.citizen_id)}


def _flash_missing(missing: list[str]) -> None:
    items = Markup("").join(Markup("<li>{}</li>").format(m) for m in missing)
    flash(
        Markup("{}<ul class='mb-0'>{}</ul>").format(
            _("The draft is saved but not sent. Before sending, add:"), items
        ),
        "warning",
    )


@bp.route(f"/<{ID}:handover_id>/edit", methods=["GET", "POST"])
@roles_required(*HANDOVER_ROLES)
def edit(handover_id: int):
    handover = handover_or_404(handover_id)
    if not may_edit_handover(current_user, handover):
        if handover.sender_id != current_user.organisation_id:
            abort(403)  # the receiver reads a handover, never writes it
        flash(_("The handover has been sent and can no longer be changed."), "info")
        return redirect(url_for(".handover", handover_id=handover.id))
    if request.method == "GET":
        form = HandoverForm(formdata=None, data=HandoverForm.data_of(handover))
        return _render_edit(form, handover, stored=True)

    form = HandoverForm()
    form.set_choices(_types_for(form))
    if not form.validate():
        return _render_edit(form, handover)
    try:
        services.save_draft(
            handover=handover,
            expected_version=form.expected_version(),
            user=current_user,
            fields=form.field_values(),
            devices=form.device_specs(_allowed_items(handover)),
            contacts=form.contact_specs(),
        )
    except services.HandoverConflict as exc:
        return _render_conflict(form, exc.current)
    except StaleDataError:  # saved by someone else between our check and our write
        db.session.rollback()
        return _render_conflict(form, db.session.get(Handover, handover_id))
    except Conflict as exc:  # sent meanwhile
        form.form_errors.append(exc.message)
        return _render_edit(form, handover, status=exc.status_code, conflict=handover)
    except DomainError as exc:
        form.form_errors.append(exc.message)
        return _render_edit(form, handover, status=exc.status_code)
    log_access(
        user=current_user,
        action="change",
        citizen_id=handover.citizen_id,
        criterion=f"handover {handover.id} saved",
    )
    if not form.send.data:
        flash(_("The draft is saved."), "success")
        return redirect(url_for(".edit", handover_id=handover.id))
    missing = services.missing_for_sending(handover)
    if missing:
        _flash_missing(missing)
        return redirect(url_for(".edit", handover_id=handover.id))
    services.send_handover(handover=handover, expected_version=handover.version, user=current_user)
    log_access(
        user=current_user,
        action="change",
        citizen_id=handover.citizen_id,
        criterion=f"handover {handover.id} sent",
    )
    flash(_("The handover is sent to %(org)s.", org=handover.receiver.name), "success")
    return redirect(url_for(".handover", handover_id=handover.id))


@bp.route(f"/<{ID}:handover_id>/delete", methods=["POST"])
@roles_required(*HANDOVER_ROLES)
def delete(handover_id: int):
    handover = handover_or_404(handover_id)
    if handover.sender_id != current_user.organisation_id:
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    citizen_id = handover.citizen_id
    services.delete_draft(handover=handover, user=current_user)
    log_access(
        user=current_user,
        action="change",
        citizen_id=citizen_id,
        criterion=f"handover {handover_id} draft deleted",
    )
    flash(_("The draft is deleted."), "success")
    return redirect(url_for(".inbox", box="drafts"))


from depot.handovers import views_page  # noqa: E402,F401  (the handover page's routes)
