"""One base for refused domain actions, mapped to HTTP by one handler in app.main.

A service raises a ``DomainError`` subclass (its ``status_code`` says which HTTP answer);
routes no longer translate it by hand. ``/api/...`` gets ``{"detail": detail}`` (the
shape of every other 404/409/422 there); pages get the error page for a 404/409, as
HTTPException does. A page that shows a refusal in its form (a 422 next to the field)
catches the error itself.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused action: ``message`` for the user, ``status_code`` for HTTP.

    ``field`` names the input at fault for a 422, where one applies.
    """

    status_code = 400

    def __init__(
        self, message: str, status_code: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.field = field

    @property
    def detail(self) -> object:
        """The response's ``detail``: the message, or a list where the refusal has many parts."""
        return self.message


class NotFound(DomainError):
    """No such thing for this user: unknown, or another user's (the same 404 either way)."""

    status_code = 404


class Conflict(DomainError):
    """The thing exists but its state refuses the action (a passed date, a bank card)."""

    status_code = 409


class FileRefused(DomainError, ValueError):
    """A file refused as a whole, nothing written: 422 listing ``problems``, one per line."""

    status_code = 422

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    @property
    def detail(self) -> object:
        return self.problems
