"""The clarification catalogue pages: rules per ISO 9999 code, CSV import and export.

Every logged-in role reads the catalogue (and tries it); coordinators and admins edit and
import. The rules hold no personal data, so no access log is written.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from depot.catalogue.models import ProductType
from depot.clarification import csv_io, rules
from depot.clarification.forms import ConfirmForm, ImportForm, RuleFilterForm, RuleForm, TryForm
from depot.clarification.models import ClarificationRule
from depot.clarification.services import party_label, purpose_label, suggest_party
from depot.errors import DomainError
from depot.extensions import db
from depot.web.i18n import local_today
from depot.web.lists import flash_ignored_filters
from depot.web.security import roles_required
from depot.web.spreadsheet import csv_response

bp = Blueprint("clarification", __name__, url_prefix="/clarification")

EDITORS = ("coordinator", "admin")
ID = "int(min=1, max=2147483647)"


@bp.context_processor
def clarification_helpers():
    return {
        "can_edit": current_user.is_authenticated and current_user.has_role(*EDITORS),
        "party_label": party_label,
        "purpose_label": purpose_label,
        "precedent_items": rules.precedent_items,
    }


def _refused(form, exc: DomainError) -> int:
    """Show a service's refusal on its field (or on the form); returns the status."""
    field = getattr(exc, "field", None)
    if field and field in form:
        form[field].errors.append(exc.message)
    else:
        form.form_errors.append(exc.message)
    return exc.status_code


# The endpoint is `clarification.rules`; the function has another name than the module.
@bp.route("/", endpoint="rules")
def rules_page():
    all_rules = rules.all_rules()
    types = rules.catalogue_types()
    covered = rules.coverage(all_rules, types)
    form = RuleFilterForm(request.args)
    filters = form.valid_data()
    flash_ignored_filters(form)
    shown = rules.filter_rules(
        all_rules,
        covered,
        search=filters["q"],
        party=filters["party"] or None,
        purpose=filters["purpose"] or None,
    )
    try_form = TryForm(request.args)
    try_form.type.choices = [("", _("Choose a product type"))] + [
        (pt.id, f"{pt.iso_code} {pt.title_da}") for pt in types
    ]
    picked = try_form.valid_data()
    suggestion = tried = None
    if picked["type"] is not None:
        tried = db.session.get(ProductType, picked["type"])
        if tried is not None:
            suggestion = suggest_party(product_type=tried, expected_duration_days=picked["days"])
    return render_template(
        "clarification/rules.html",
        rules=shown,
        total=len(all_rules),
        coverage=covered,
        form=form,
        try_form=try_form,
        tried=tried,
        tried_days=picked["days"],
        suggestion=suggestion,
        editors=rules.users_by_id(r.updated_by_id for r in shown),
    )


def _rule_form(rule: ClarificationRule | None):
    form = RuleForm(obj=rule)
    if rule is None and request.method == "GET" and request.args.get("code"):
        form.iso_code.data = request.args["code"][: rules.CODE_INPUT_MAX]
    status = 200
    if form.validate_on_submit():
        try:
            if rule is None:
                rule = rules.create_rule(user=current_user, **form.values())
                flash(_("Rule for ISO %(code)s created.", code=rule.iso_code), "success")
            else:
                changed = rules.update_rule(rule=rule, user=current_user, **form.values())
                if changed:
                    flash(_("Rule for ISO %(code)s saved.", code=rule.iso_code), "success")
                else:
                    flash(_("Nothing was changed."), "info")
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            return redirect(url_for(".rules", _anchor=f"rule-{rule.id}"))
    return render_template(
        "clarification/form.html", form=form, rule=rule, confirm_form=ConfirmForm()
    ), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new():
    return _rule_form(None)


@bp.route(f"/<{ID}:rule_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(rule_id: int):
    return _rule_form(db.get_or_404(ClarificationRule, rule_id))


@bp.route(f"/<{ID}:rule_id>/delete", methods=["POST"])
@roles_required(*EDITORS)
def delete(rule_id: int):
    rule = db.get_or_404(ClarificationRule, rule_id)
    if ConfirmForm().validate_on_submit():
        code = rule.iso_code
        rules.delete_rule(rule=rule)
        flash(_("Rule for ISO %(code)s deleted.", code=code), "success")
    return redirect(url_for(".rules"))


@bp.route("/export.csv")
def export():
    text = csv_io.export_csv(rules.all_rules())
    return csv_response(text, f"afklaringskatalog-{local_today().isoformat()}.csv")


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*EDITORS)
def import_rules():
    form = ImportForm()
    refused = None
    status = 200
    if form.validate_on_submit():
        data = form.file.data.stream.read(csv_io.MAX_BYTES + 1)
        try:
            result = csv_io.import_rules(
                data=data, user=current_user, replace_all=form.replace_all.data
            )
        except csv_io.ImportRefused as exc:
            refused, status = exc, exc.status_code
        else:
            flash(
                _(
                    "Imported: %(created)d created, %(updated)d updated, %(unchanged)d "
                    "unchanged, %(deleted)d deleted.",
                    created=result.created,
                    updated=result.updated,
                    unchanged=result.unchanged,
                    deleted=result.deleted,
                ),
                "success",
            )
            return redirect(url_for(".rules"))
    return render_template(
        "clarification/import.html",
        form=form,
        refused=refused,
        columns=csv_io.COLUMNS,
        max_kb=csv_io.MAX_BYTES // 1000,
    ), status
