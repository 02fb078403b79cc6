"""Who may see which citizen (DESIGN §2: a municipality never sees another's citizens)."""

from sqlalchemy import exists, select

from depot.auth.models import User
from depot.citizens.models import Citizen
from depot.extensions import db

CITIZEN_ROLES = ("therapist", "depot_staff")


def can_view_citizen(user: User, citizen: Citizen) -> bool:
    """Therapists and depot staff of the citizen's municipality, and of an organisation that
    has a request for the citizen (the hospital's therapists, for their patients)."""
    if user.role not in CITIZEN_ROLES:
        return False
    if citizen.municipality_id == user.organisation_id:
        return True
    from depot.requests.models import DeviceRequest

    return bool(
        db.session.scalar(
            select(
                exists().where(
                    DeviceRequest.citizen_id == citizen.id,
                    DeviceRequest.organisation_id == user.organisation_id,
                )
            )
        )
    )
