"""Configuration from environment variables; `create_app(config=...)` overrides win."""

import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _hours(text: str) -> dict[str, float]:
    """`normal=72,urgent=4,after_hours=2` → {"normal": 72.0, …}."""
    targets = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        targets[name.strip()] = float(value)
    return targets


def from_environment() -> dict:
    """Read the settings the app needs from the process environment."""
    production = os.environ.get("DEPOT_ENV", "development") == "production"
    secret = os.environ.get("SECRET_KEY")
    if production and not secret:
        raise RuntimeError("SECRET_KEY must be set when DEPOT_ENV=production")
    return {
        "SECRET_KEY": secret or "dev-only-not-secret",
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{PROJECT_ROOT / 'instance' / 'depot.sqlite'}"
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL"),
        # Sessions end after this much inactivity (seconds).
        "SESSION_IDLE_TIMEOUT": int(os.environ.get("SESSION_IDLE_TIMEOUT", "1800")),
        "PERMANENT_SESSION_LIFETIME": timedelta(
            seconds=int(os.environ.get("SESSION_IDLE_TIMEOUT", "1800"))
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(8 * 1024 * 1024))),
        # Failed logins before the account is locked, and for how long (minutes).
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_MINUTES": int(os.environ.get("LOGIN_LOCK_MINUTES", "15")),
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        "BABEL_DEFAULT_LOCALE": "da",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("DEPOT_TIMEZONE", "Europe/Copenhagen"),
        "LANGUAGES": ["da", "en"],
        "BOOTSTRAP_SERVE_LOCAL": True,
        "BOOTSTRAP_BTN_SIZE": "sm",
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "20 per minute"),
        "PAGE_SIZE": int(os.environ.get("PAGE_SIZE", "25")),
        # How soon the depot should answer a request (hours from the request to a
        # reservation or back-order), per urgency.
        "RESPONSE_TARGET_HOURS": _hours(
            os.environ.get("RESPONSE_TARGET_HOURS", "normal=48,urgent=4,after_hours=2")
        ),
        # Rent per day for lending another organisation's item, where the product type has
        # no daily rate of its own (DKK).
        "DEFAULT_DAILY_RATE": os.environ.get("DEFAULT_DAILY_RATE", "5.00"),
        # Base URL of this system's own FHIR code systems and identifiers (handover export).
        "FHIR_SYSTEM_BASE": os.environ.get(
            "FHIR_SYSTEM_BASE", "http://depot.vestklyngen.example/fhir"
        ),
    }
