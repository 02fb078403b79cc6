"""Base forms whose built-in WTForms messages are translated by the app's own catalogue.

WTForms ships no Danish messages, so its defaults are listed here for extraction and
translated in depot/translations like every other string.
"""

import flask_babel
from flask import request
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from flask_wtf.form import SUBMIT_METHODS as _SUBMIT_METHODS
from flask_wtf.form import _Auto
from werkzeug.datastructures import CombinedMultiDict
from wtforms import Form

WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Field must be equal to %(other_name)s."),
    lazy_ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        2,
    ),
    lazy_ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        2,
    ),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Not a valid date value."),
    _l("Not a valid datetime value."),
    _l("Not a valid time value."),
    _l("The CSRF token is missing."),
    _l("CSRF token missing."),
    _l("Invalid CSRF Token."),
    _l("CSRF token expired."),
)


# Ids are positive and fit a 32-bit integer column: larger numbers would not even reach it.
ID_MAX = 2_147_483_647


def parse_id(value) -> int | None:
    """A positive 32-bit id from a form or query value; anything else is None."""
    if isinstance(value, bool):
        return None
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= ID_MAX else None


def optional_id(value):
    """Coerce a choice value: '' and None mean none chosen; junk is not a valid choice."""
    if value in ("", None):
        return None
    number = parse_id(value)
    if number is None:
        raise ValueError(_l("Not a valid choice."))
    return number


def strip_text(value):
    """Trim whitespace and drop NUL characters (PostgreSQL refuses them in text)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class _AppTranslations:
    """WTForms' translations interface on top of Flask-Babel."""

    # WTForms does its own %-formatting, so translate without Flask-Babel's formatting.
    def gettext(self, string: str) -> str:
        return flask_babel.get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return flask_babel.get_translations().ungettext(singular, plural, n)


_TRANSLATIONS = _AppTranslations()


class _Meta:
    def get_translations(self, form):
        return _TRANSLATIONS


class AppForm(FlaskForm):
    """The base of every form with a CSRF token."""

    class Meta(_Meta):
        def wrap_formdata(self, form, formdata):
            # Web forms read form fields only; JSON bodies belong to the API's schemas.
            if formdata is not _Auto:
                return formdata
            if request.method not in _SUBMIT_METHODS:
                return None
            if request.files:
                return CombinedMultiDict((request.files, request.form))
            return request.form


class SubForm(Form):
    """The base of rows inside a FieldList (no CSRF token of their own)."""

    class Meta(_Meta):
        pass


class FilterForm(AppForm):
    """A GET filter form: invalid values are ignored (and reported), never an error page."""

    class Meta:
        csrf = False

    def __init__(self, args, **kwargs):
        super().__init__(formdata=args, **kwargs)

    def valid_data(self) -> dict:
        """The filter values, after dropping those that did not validate (ignored)."""
        self.validate()
        data = {}
        for field in self:
            if field.errors:
                field.data = field.default
            data[field.name] = field.data
        return data

    @property
    def has_ignored(self) -> bool:
        return any(f.errors for f in self)
