"""Locale selection and the Danish formats for dates and DKK amounts."""

from datetime import date, datetime

from flask import current_app, has_request_context, session
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_timezone,
)


def select_locale() -> str:
    lang = session.get("lang") if has_request_context() else None
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or "da")


def dkk(amount) -> str:
    if amount is None:
        return "–"
    return format_currency(amount, "DKK")


def day(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    return format_date(value, "dd-MM-yyyy")


def moment(value: datetime | None) -> str:
    """A stored UTC time shown in local time."""
    if value is None:
        return "–"
    return format_datetime(value, "dd-MM-yyyy HH:mm")


def number(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""))


def register_filters(app) -> None:
    app.jinja_env.filters.update(dkk=dkk, day=day, moment=moment, number=number)
    from depot.auth.roles import role_label

    app.jinja_env.globals.update(current_language=current_language, role_label=role_label)


def local_today() -> date:
    """Today's date where the users are (the app's time zone)."""
    return datetime.now(get_timezone()).date()
