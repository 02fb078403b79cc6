"""Settlement between organisations for lent items: monthly report, CSV, ownership transfer.

Procurement officers, coordinators and admins see the report; coordinators, the region's
procurement officers and cluster admins see every pair, the others only pairs involving
their own organisation. The owner's procurement officers and admins (and cluster admins)
transfer an item's ownership to the lender. The pages carry no citizen data.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from depot.errors import DomainError
from depot.extensions import db
from depot.loans import settlement
from depot.loans.forms_settlement import MonthForm, TransferOwnershipForm
from depot.loans.models import Loan
from depot.loans.settlement import TRANSFER_ROLES, VIEW_ROLES, Report
from depot.loans.settlement_days import InvalidMonth, Month, default_month, month_of, parse_month
from depot.web.i18n import local_today
from depot.web.lists import page_number
from depot.web.security import roles_required
from depot.web.spreadsheet import csv_response, safe_cell

bp = Blueprint("settlement", __name__, url_prefix="/settlement")

# Ids in URLs: positive and within a 32-bit integer column, so lookups can't overflow.
ID = "int(min=1, max=2147483647)"
LINES_PER_PAGE = 100
# Characters that make a spreadsheet read a cell as a formula.


def _month_from_args() -> Month:
    """The month asked for (?month=YYYY-MM), else the previous month; InvalidMonth if bad."""
    raw = request.args.get("month", "")
    today = local_today()
    return parse_month(raw, today=today) if raw.strip() else default_month(today)


def _id_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 2**31 - 1:
        return int(raw)
    return None


@bp.route("/")
@roles_required(*VIEW_ROLES)
def report():
    form = MonthForm(request.args)
    try:
        month = _month_from_args()
    except InvalidMonth as exc:
        form.month.errors = [exc.message]
        return render_template("settlement/report.html", form=form, report=None), 400
    form.month.data = str(month)
    organisation_id = settlement.visible_organisation(current_user)
    result = settlement.settlement_report(month=month, organisation_id=organisation_id)
    # The drill-down of one pair; only a pair the user sees in the report.
    pair = result.pair(_id_arg("lender") or 0, _id_arg("owner") or 0)
    lines, transfers, page, pages = [], [], 1, 1
    if pair is not None:
        pages = max(1, -(-pair.loans // LINES_PER_PAGE))
        page = min(page_number(), pages)
        lines = settlement.settlement_lines(
            month=month,
            organisation_id=organisation_id,
            lender_id=pair.lender_id,
            owner_id=pair.owner_id,
            limit=LINES_PER_PAGE,
            offset=(page - 1) * LINES_PER_PAGE,
        )
        transfers = settlement.transfer_lines(
            month=month,
            organisation_id=organisation_id,
            lender_id=pair.lender_id,
            owner_id=pair.owner_id,
        )
    return render_template(
        "settlement/report.html",
        form=form,
        report=result,
        month=month,
        previous_month=month.previous(),
        next_month=month.next() if month < month_of(local_today()).next() else None,
        pair=pair,
        lines=lines,
        transfers=transfers,
        page=page,
        pages=pages,
        may_transfer=pair is not None and settlement.can_transfer_for(current_user, pair.owner_id),
    )


# --- CSV ------------------------------------------------------------------------------------


def _amount(value: Decimal | None) -> str:
    """An amount with the Danish decimal comma and no thousands separator: 1234,50."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def csv_text(report: Report, lines, transfers) -> str:
    """The report as semicolon-separated text: per pair a pair row, then its line rows."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Row"),
            _("Month"),
            _("Lender (pays)"),
            _("Owner"),
            _("Loans"),
            _("Days"),
            _("Asset tag"),
            _("Product"),
            _("ISO 9999 code"),
            _("Daily rate (DKK)"),
            _("Rent (DKK)"),
            _("Ownership transfers"),
            _("Transfer amount (DKK)"),
            _("Total (DKK)"),
        ]
    )
    month = str(report.month)
    lines_by_pair, transfers_by_pair = {}, {}
    for line in lines:
        lines_by_pair.setdefault((line.lender_id, line.owner_id), []).append(line)
    for transfer in transfers:
        transfers_by_pair.setdefault((transfer.lender_id, transfer.owner_id), []).append(transfer)
    for pair in report.pairs:
        names = [month, safe_cell(pair.lender), safe_cell(pair.owner)]
        writer.writerow(
            [
                _("Pair"),
                *names,
                pair.loans,
                pair.days,
                *("", "", "", ""),
                _amount(pair.rent),
                pair.transfers,
                _amount(pair.transfer_amount),
                _amount(pair.total),
            ]
        )
        for line in lines_by_pair.get(pair.key, []):
            writer.writerow(
                [
                    _("Loan"),
                    *names,
                    1,
                    line.days,
                    safe_cell(line.asset_tag),
                    safe_cell(line.product),
                    line.iso_code,
                    _amount(line.rate),
                    _amount(line.amount),
                    *("", ""),
                    _amount(line.amount),
                ]
            )
        for transfer in transfers_by_pair.get(pair.key, []):
            writer.writerow(
                [
                    _("Ownership transfer"),
                    *names,
                    *("", ""),
                    safe_cell(transfer.asset_tag),
                    safe_cell(transfer.product),
                    transfer.iso_code,
                    *("", ""),
                    1,
                    _amount(transfer.amount),
                    _amount(transfer.amount),
                ]
            )
    return out.getvalue()


@bp.route("/export.csv")
@roles_required(*VIEW_ROLES)
def export():
    month = _month_from_args()  # InvalidMonth: a 400 page with the message
    organisation_id = settlement.visible_organisation(current_user)
    result = settlement.settlement_report(month=month, organisation_id=organisation_id)
    lines = settlement.settlement_lines(month=month, organisation_id=organisation_id)
    transfers = settlement.transfer_lines(month=month, organisation_id=organisation_id)
    return csv_response(csv_text(result, lines, transfers), f"settlement-{month}.csv")


# --- ownership transfer ---------------------------------------------------------------------


def _back_month() -> str | None:
    """The report month the user came from (?month=), if it is a valid one."""
    try:
        raw = request.args.get("month", "")
        return str(parse_month(raw, today=local_today())) if raw else None
    except DomainError:
        return None


@bp.route(f"/loans/<{ID}:loan_id>/transfer-ownership", methods=["GET", "POST"])
@roles_required(*TRANSFER_ROLES)
def transfer_ownership(loan_id: int):
    loan = db.get_or_404(Loan, loan_id)
    # Loans the user cannot see in the report, or that need no settlement, are not found.
    if loan.lender_id == loan.owner_id or not settlement.can_view_loan(current_user, loan):
        abort(404)
    if not settlement.can_transfer(current_user, loan):
        abort(403)
    back = _back_month()
    form = TransferOwnershipForm()
    if form.validate_on_submit():
        settlement.transfer_ownership(
            loan_id=loan.id, amount=form.amount.data, note=form.note.data, user=current_user
        )
        flash(
            _(
                "%(tag)s now belongs to %(lender)s.",
                tag=loan.item.asset_tag,
                lender=loan.lender.name,
            ),
            "success",
        )
        return redirect(url_for(".report", month=back, lender=loan.lender_id, owner=loan.owner_id))
    form.suggest(loan.item.product.list_price)
    days, rent = settlement.rent_so_far(loan)
    return render_template(
        "settlement/transfer.html",
        form=form,
        loan=loan,
        refusal=settlement.transfer_refusal(loan),
        days=days,
        rent=rent,
        back=back,
    )
