"""One base for refused domain actions, mapped to HTTP by one handler in app.main.

A service raises a ``DomainError`` subclass (its ``status_code`` says which HTTP answer);
routes no longer translate it by hand. ``/api/...`` gets ``{"detail": message}`` (the
shape of every other 404/409/422 there); pages get the error page, as HTTPException does.
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
