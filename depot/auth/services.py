"""Authentication and user administration services. They flush; the request commits."""

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from depot.auth.models import ROLES, User
from depot.errors import Conflict, DomainError
from depot.extensions import db
from depot.organisations.models import utcnow

MIN_PASSWORD_LENGTH = 10


class LoginRefused(DomainError):
    """Wrong email or password, or a locked or inactive account."""

    status_code = 200  # the login page is shown again with the message


def hash_password(password: str) -> str:
    """Hash a password with the configured method."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_policy(password: str) -> None:
    """Refuse passwords that are too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )
    if len(password) > 200:
        raise DomainError(_l("The password is too long."))


def find_user_by_email(*, email: str) -> User | None:
    """The user with this email address, case-insensitively."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(*, email: str, password: str) -> User:
    """Check the credentials, counting failures and locking the account after too many."""
    user = find_user_by_email(email=email)
    now = utcnow()
    if user is None:
        # Same work as a real check so that response times don't reveal which emails exist.
        check_password_hash(_dummy_hash(), password)
        raise LoginRefused(_l("Wrong email or password."))
    if user.locked_until and user.locked_until > now:
        raise LoginRefused(
            _l(
                "The account is locked after repeated failed logins. "
                "Try again later or ask an administrator."
            )
        )
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
        db.session.flush()
        raise LoginRefused(_l("Wrong email or password."))
    if not user.active:
        raise LoginRefused(_l("The account is deactivated."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


_DUMMY = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY:
        _DUMMY[method] = generate_password_hash("dummy-password", method=method)
    return _DUMMY[method]


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login loader: the session holds `id:version`; a bumped version ends it."""
    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def _check_email_free(email: str, exclude_id: int | None = None) -> None:
    existing = find_user_by_email(email=email)
    if existing is not None and existing.id != exclude_id:
        raise Conflict(_l("A user with this email address already exists."))


def create_user(
    *, email: str, name: str, password: str, role: str, organisation_id: int, active: bool = True
) -> User:
    """Create a user in an organisation with one role."""
    if role not in ROLES:
        raise DomainError(_l("Unknown role."))
    check_password_policy(password)
    _check_email_free(email)
    user = User(
        email=email.strip().lower(),
        name=name.strip(),
        role=role,
        organisation_id=organisation_id,
        password_hash=hash_password(password),
        active=active,
    )
    db.session.add(user)
    db.session.flush()
    return user


def update_user(
    *, user: User, name: str, email: str, role: str, organisation_id: int, active: bool
) -> User:
    """Change a user's details; deactivating ends their sessions."""
    if role not in ROLES:
        raise DomainError(_l("Unknown role."))
    _check_email_free(email, exclude_id=user.id)
    if user.active and not active:
        user.session_version += 1
    user.name, user.email, user.role = name.strip(), email.strip().lower(), role
    user.organisation_id, user.active = organisation_id, active
    db.session.flush()
    return user


def set_password(*, user: User, password: str) -> None:
    """Set a new password, unlock the account and end the user's other sessions."""
    check_password_policy(password)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.session_version += 1
    db.session.flush()


def change_own_password(*, user: User, current_password: str, new_password: str) -> None:
    """A user's own password change: the current password must be right."""
    if not check_password_hash(user.password_hash, current_password):
        raise DomainError(_l("The current password is wrong."))
    set_password(user=user, password=new_password)


def unlock_user(*, user: User) -> None:
    """Lift a lock from repeated failed logins."""
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
