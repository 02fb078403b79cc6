"""Who may see which citizen (DESIGN §2: a municipality never sees another's citizens)."""

from sqlalchemy import and_, exists, or_, select

from depot.auth.models import User
from depot.citizens.models import Citizen
from depot.extensions import db

CITIZEN_ROLES = ("therapist", "depot_staff")


def can_view_citizen(user: User, citizen: Citizen) -> bool:
    """Therapists and depot staff of the citizen's municipality, and of an organisation that
    has a request or a handover for the citizen (the hospital's therapists, for their
    patients)."""
    if user.role not in CITIZEN_ROLES:
        return False
    if citizen.municipality_id == user.organisation_id:
        return True
    from depot.handovers.models import Handover
    from depot.requests.models import DeviceRequest

    org = user.organisation_id
    has_request = exists().where(
        DeviceRequest.citizen_id == citizen.id, DeviceRequest.organisation_id == org
    )
    has_handover = exists().where(
        Handover.citizen_id == citizen.id,
        or_(
            Handover.sender_id == org,
            and_(Handover.receiver_id == org, Handover.status != "draft"),
        ),
    )
    if user.role != "therapist":  # a handover is between therapists, not the depots
        return bool(db.session.scalar(select(has_request)))
    return bool(db.session.scalar(select(or_(has_request, has_handover))))
