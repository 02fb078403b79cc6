"""Domain errors that services raise and the app turns into clear responses."""


class DomainError(Exception):
    """A refusal with a message meant for the user (already translated, or lazy)."""

    status_code = 400

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class Conflict(DomainError):
    """The request clashes with the current state (double booking, duplicates): HTTP 409."""

    status_code = 409


class NotAllowed(DomainError):
    status_code = 403
