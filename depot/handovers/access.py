"""Who may see a handover: the sending organisation's therapists (drafts included) and,
once sent, the receiving organisation's. Everyone else gets 404 (DESIGN §2)."""

from depot.auth.models import User
from depot.handovers.models import Handover


def may_view_handover(user: User, handover: Handover) -> bool:
    if user.role != "therapist":
        return False
    if user.organisation_id == handover.sender_id:
        return True
    return user.organisation_id == handover.receiver_id and handover.status != "draft"


def may_edit_handover(user: User, handover: Handover) -> bool:
    return (
        user.role == "therapist"
        and user.organisation_id == handover.sender_id
        and handover.status == "draft"
    )
