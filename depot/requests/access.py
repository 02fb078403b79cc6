"""Who may see and handle which request."""

from depot.auth.models import User
from depot.items.access import can_operate_depot
from depot.requests.models import DeviceRequest

REQUEST_ROLES = ("therapist",)


def can_view_request(user: User, request: DeviceRequest) -> bool:
    """The requesting organisation's and the citizen's municipality's therapists, and the
    staff of the handling depot."""
    if user.role in REQUEST_ROLES:
        return user.organisation_id in (request.organisation_id, request.citizen.municipality_id)
    return can_handle_request(user, request)


def can_handle_request(user: User, request: DeviceRequest) -> bool:
    """Depot staff of the depot that handles the request."""
    return can_operate_depot(user, request.depot)
