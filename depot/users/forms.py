from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from depot.auth.roles import ROLE_LABELS
from depot.auth.services import MIN_PASSWORD_LENGTH
from depot.web.forms import AppForm


class UserForm(AppForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))
    organisation_id = SelectField(_l("Organisation"), coerce=int)
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class NewUserForm(UserForm):
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class PasswordForm(AppForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Set password"))


class UserFilterForm(AppForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    role = SelectField(
        _l("Role"), choices=[("", _l("All roles")), *ROLE_LABELS.items()], validators=[Optional()]
    )
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[Optional()])


class ActionForm(AppForm):
    """An empty form: just the CSRF token for one-button actions."""
