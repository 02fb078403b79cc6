"""Citizens a region user found by their exact CPR number, remembered for the session.

The hospital has the patient in front of them: a region user may find any citizen by the exact
CPR number (DESIGN §2) and must then reach the citizen's page to make the first request, after
which `can_view_citizen` lets them in for good. Only citizen ids are kept, never CPR numbers.
"""

from flask import has_request_context, session

from depot.auth.models import User
from depot.citizens.access import can_view_citizen
from depot.citizens.models import Citizen

SESSION_KEY = "citizens_found"
REMEMBERED_MAX = 50


def is_region_user(user: User) -> bool:
    """A hospital therapist: the one who has the patient in front of them."""
    return user.role == "therapist" and user.organisation.kind == "region"


def remember_found(citizen_id: int) -> None:
    """Let this session's region user open the citizen they found by exact CPR."""
    found = [i for i in session.get(SESSION_KEY, []) if i != citizen_id]
    session[SESSION_KEY] = [*found, citizen_id][-REMEMBERED_MAX:]


def found_in_session(citizen_id: int) -> bool:
    return has_request_context() and citizen_id in session.get(SESSION_KEY, [])


def may_view_citizen(user: User, citizen: Citizen) -> bool:
    """`can_view_citizen`, plus the citizens a region user found by exact CPR this session."""
    if can_view_citizen(user, citizen):
        return True
    return is_region_user(user) and found_in_session(citizen.id)
