"""Deviation case pages: the coordinators' list, the case workflow, quarterly statistics.

Coordinators see every organisation's cases, open cases by hand and take them through the
workflow (open → discussed → concluded); administrators may read the list, the cases and the
statistics. The pages carry no personal data: a case names the municipality, the product type
and the handover's number, never the citizen. A refused step (a concluded case, a double
submit, concluding an open case) shows the case again with the message: 409.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from depot.clarification.services import PARTY_LABELS
from depot.deviations import queries, services
from depot.deviations.forms import (
    AssessForm,
    CaseFilterForm,
    ConcludeForm,
    DiscussForm,
    NewCaseForm,
    QuarterForm,
)
from depot.deviations.labels import (
    CASE_STATE_BADGES,
    CASE_STATE_LABELS,
    CAUSE_LABELS,
    SETTLEMENT_LABELS,
)
from depot.deviations.models import CAUSES, DeviationCase
from depot.deviations.quarters import (
    QUARTER_RE,
    InvalidQuarter,
    Quarter,
    checked,
    parse_quarter,
    quarter_of,
)
from depot.deviations.stats import CAUSE_KEYS, csv_text, quarterly_stats
from depot.errors import DomainError
from depot.extensions import db
from depot.handovers.labels import DELAY_CAUSE_LABELS
from depot.handovers.models import DELAY_CAUSES
from depot.web.i18n import current_language, local_today
from depot.web.lists import flash_ignored_filters, paginate
from depot.web.security import roles_required
from depot.web.spreadsheet import csv_response

bp = Blueprint("deviations", __name__, url_prefix="/deviations")

ID = "int(min=1, max=2147483647)"
READ_ROLES = ("coordinator", "admin")
WRITE_ROLES = ("coordinator",)


@bp.record_once
def _register_template_globals(state) -> None:
    state.app.jinja_env.globals.update(
        case_state_labels=CASE_STATE_LABELS,
        case_state_badges=CASE_STATE_BADGES,
        case_cause_labels=CAUSE_LABELS,
        case_settlement_labels=SETTLEMENT_LABELS,
        party_labels=PARTY_LABELS,
    )


def _case_or_404(case_id: int) -> DeviationCase:
    return db.get_or_404(DeviationCase, case_id)


# --- the list -------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*READ_ROLES)
def cases():
    form = CaseFilterForm(request.args)
    form.set_municipality_choices(queries.municipalities())
    filters = form.valid_data()
    flash_ignored_filters(form)
    stmt = queries.case_list_query(
        status=filters["status"] or None,
        municipality_id=filters["municipality"],
        quarter=form.chosen_quarter(),
        cause=filters["cause"] or None,
    )
    return render_template(
        "deviations/cases.html",
        form=form,
        pagination=paginate(stmt),
        may_write=current_user.has_role(*WRITE_ROLES),
        locale=current_language(),
    )


# --- a new case -----------------------------------------------------------------------------


def _render_new(form: NewCaseForm, status: int = 200):
    return render_template("deviations/new.html", form=form), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*WRITE_ROLES)
def new():
    form = NewCaseForm()
    form.set_choices(
        municipalities=queries.municipalities(),
        product_types=queries.product_types(),
        locale=current_language(),
    )
    if request.method == "GET":
        return _render_new(form)
    if not form.validate():
        return _render_new(form, 400)
    try:
        case = services.open_case(
            municipality_id=form.municipality_id.data,
            product_type_id=form.product_type_id.data,
            delivered_by=form.delivered_by.data,
            should_have_been=form.should_have_been.data,
            handover_id=form.handover_number,
            cause=form.cause.data,
            cause_note=form.cause_note.data or None,
            minutes_spent=form.minutes_spent.data,
            user=current_user,
        )
    except DomainError as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _render_new(form, exc.status_code)
    flash(_("Case %(id)s is opened.", id=case.id), "success")
    return redirect(url_for(".case", case_id=case.id))


# --- one case and its workflow --------------------------------------------------------------


def _assess_form(case: DeviationCase) -> AssessForm:
    return AssessForm(
        formdata=None,
        data={
            "cause": case.cause,
            "cause_note": case.cause_note,
            "minutes_spent": case.minutes_spent,
            "settlement": case.settlement,
            "settlement_amount": case.settlement_amount,
        },
    )


def _case_page(
    case: DeviationCase,
    *,
    assess_form: AssessForm | None = None,
    discuss_form: DiscussForm | None = None,
    conclude_form: ConcludeForm | None = None,
    error: str | None = None,
    status: int = 200,
):
    may_write = current_user.has_role(*WRITE_ROLES)
    return render_template(
        "deviations/case.html",
        case=case,
        device=case.handover_device,
        opened_on=services.opened_on(case),
        may_write=may_write,
        assess_form=assess_form or _assess_form(case),
        discuss_form=discuss_form or DiscussForm(formdata=None, meeting_date=local_today()),
        conclude_form=conclude_form
        or ConcludeForm(
            formdata=None, final_settlement=case.settlement, final_amount=case.settlement_amount
        ),
        error=error,
        locale=current_language(),
    ), status


@bp.route(f"/<{ID}:case_id>")
@roles_required(*READ_ROLES)
def case(case_id: int):
    return _case_page(_case_or_404(case_id))


def _refused(case_id: int, exc: DomainError, **forms):
    """The case as it is now (the change rolled back), with the refusal's message."""
    db.session.rollback()
    return _case_page(
        _case_or_404(case_id), error=str(exc.message), status=exc.status_code, **forms
    )


def _concluded(case: DeviationCase):
    if case.status == "concluded":
        return _case_page(
            case,
            error=_("The case is concluded and can no longer be changed."),
            status=409,
        )
    return None


@bp.route(f"/<{ID}:case_id>/assess", methods=["POST"])
@roles_required(*WRITE_ROLES)
def assess(case_id: int):
    case = _case_or_404(case_id)
    if (refusal := _concluded(case)) is not None:
        return refusal
    form = AssessForm()
    if not form.validate():
        return _case_page(case, assess_form=form, status=400)
    try:
        services.assess_case(
            case=case,
            cause=form.cause.data,
            cause_note=form.cause_note.data or None,
            minutes_spent=form.minutes_spent.data,
            settlement=form.settlement.data,
            settlement_amount=form.settlement_amount.data,
            user=current_user,
        )
    except DomainError as exc:
        return _refused(case_id, exc, assess_form=form)
    flash(_("The assessment of case %(id)s is saved.", id=case.id), "success")
    return redirect(url_for(".case", case_id=case.id))


@bp.route(f"/<{ID}:case_id>/discuss", methods=["POST"])
@roles_required(*WRITE_ROLES)
def discuss(case_id: int):
    case = _case_or_404(case_id)
    if (refusal := _concluded(case)) is not None:
        return refusal
    form = DiscussForm()
    if not form.validate():
        return _case_page(case, discuss_form=form, status=400)
    try:
        services.mark_discussed(case=case, meeting_date=form.meeting_date.data, user=current_user)
    except DomainError as exc:
        return _refused(case_id, exc, discuss_form=form)
    flash(_("Case %(id)s is marked as discussed.", id=case.id), "success")
    return redirect(url_for(".case", case_id=case.id))


@bp.route(f"/<{ID}:case_id>/conclude", methods=["POST"])
@roles_required(*WRITE_ROLES)
def conclude(case_id: int):
    case = _case_or_404(case_id)
    if (refusal := _concluded(case)) is not None:
        return refusal
    form = ConcludeForm()
    if not form.validate():
        return _case_page(case, conclude_form=form, status=400)
    try:
        services.assess_case(
            case=case,
            cause=case.cause,
            cause_note=case.cause_note,
            minutes_spent=case.minutes_spent,
            settlement=form.final_settlement.data or case.settlement,
            settlement_amount=form.final_amount.data
            if form.final_settlement.data
            else case.settlement_amount,
            user=current_user,
        )
        services.conclude_case(case=case, conclusion=form.conclusion.data, user=current_user)
    except DomainError as exc:
        return _refused(case_id, exc, conclude_form=form)
    flash(_("Case %(id)s is concluded.", id=case.id), "success")
    return redirect(url_for(".case", case_id=case.id))


# --- quarterly statistics -------------------------------------------------------------------


def _quarter_from_args() -> Quarter:
    """?year=2026&quarter=4 (or ?quarter=2026-Q4); none: the current quarter. InvalidQuarter."""
    today = local_today()
    year_text = request.args.get("year", "").strip()
    quarter_text = request.args.get("quarter", "").strip()
    if not year_text and not quarter_text:
        return quarter_of(today)
    if not year_text and QUARTER_RE.fullmatch(quarter_text):
        return parse_quarter(quarter_text, today=today)
    year = int(year_text) if year_text.isascii() and year_text.isdigit() else None
    quarter = int(quarter_text) if quarter_text in ("1", "2", "3", "4") else None
    if year is not None and len(year_text) > 4:
        year = None
    return checked(year, quarter, today=today)


@bp.route("/stats")
@roles_required(*READ_ROLES)
def stats():
    form = QuarterForm(request.args)
    try:
        quarter = _quarter_from_args()
    except InvalidQuarter as exc:
        form.year.errors = [exc.message]
        return render_template("deviations/stats.html", form=form, stats=None), 400
    form.year.data = quarter.year
    form.quarter.data = str(quarter.quarter)
    current = quarter_of(local_today())
    return render_template(
        "deviations/stats.html",
        form=form,
        stats=quarterly_stats(quarter=quarter),
        previous_quarter=quarter.previous() if quarter.previous().year >= 2000 else None,
        next_quarter=quarter.next() if quarter < current else None,
        causes=CAUSES,
        cause_keys=CAUSE_KEYS,
        delay_causes=DELAY_CAUSES,
        delay_cause_labels=DELAY_CAUSE_LABELS,
    )


@bp.route("/stats.csv")
@roles_required(*READ_ROLES)
def stats_csv():
    quarter = _quarter_from_args()  # InvalidQuarter: a 400 page with the message
    text = csv_text(quarterly_stats(quarter=quarter))
    return csv_response(text, f"deviations-{quarter}.csv")
