"""Per-user study settings: defaults, validation, and the scheduler configuration they imply."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from app.config import DEFAULT_LEECH_THRESHOLD
from app.db import read_connection
from app.models import UserSettings
from app.study.days import StudyCalendar, is_valid_zone, machine_zone_name
from app.study.scheduler import SchedulerConfig, forgetting_curve_constants, parameters_problem

MINUTES_PER_DAY = 1440
MAX_STEPS = 10
UNIT_MINUTES = {"s": 1 / 60, "m": 1.0, "h": 60.0, "d": 1440.0}

Steps = Annotated[list[float], Field(max_length=MAX_STEPS)]
DesiredRetention = Annotated[float, Field(ge=0.70, le=0.97, allow_inf_nan=False)]
# The orders new cards can come in (the ``new_card_order`` setting), as the settings page says.
NewCardOrder = Literal["bank", "topic", "random", "weakest"]
NEW_CARD_ORDERS: dict[NewCardOrder, str] = {
    "bank": "Bank order (topic by topic, as the bank lists them)",
    "topic": "Topics in turn (one card of each topic, then the next of each)",
    "random": "Random (a new shuffle each study day)",
    "weakest": "Weakest topic first (the least of it recalled now)",
}


class StudySettings(BaseModel):
    """The editable study settings, with the ranges the settings page and API enforce."""

    model_config = ConfigDict(extra="forbid")

    desired_retention: DesiredRetention = 0.9
    new_per_day: int = Field(20, ge=0, le=9999)
    reviews_per_day: int = Field(200, ge=0, le=99999)
    timezone: str | None = Field(None, description="IANA zone; empty means the app default.")
    day_starts_at_hour: int = Field(4, ge=0, le=23)
    learning_steps_minutes: Steps = Field(default_factory=lambda: [1.0, 10.0])
    relearning_steps_minutes: Steps = Field(default_factory=lambda: [10.0])
    maximum_interval_days: int = Field(36500, ge=1, le=36500)
    new_card_order: NewCardOrder = Field(
        "bank", description="Order of new cards: bank, topic (interleaved), random or weakest."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not is_valid_zone(value.strip()):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Paris)")
        return value.strip()

    @field_validator("learning_steps_minutes", "relearning_steps_minutes", mode="before")
    @classmethod
    def _parse_steps(cls, value: Any) -> Any:
        return parse_steps(value) if isinstance(value, str) else value

    @field_validator("learning_steps_minutes", "relearning_steps_minutes")
    @classmethod
    def _steps_in_range(cls, value: list[float]) -> list[float]:
        for minutes in value:
            if not 1 / 60 <= minutes < MINUTES_PER_DAY:
                raise ValueError("each step must be at least 1s and shorter than 1 day")
        return value


def review_load(parameters: tuple[float, ...], retention: float, reference: float = 0.9) -> float:
    """How many reviews a day ``retention`` costs relative to ``reference`` (1.0 = the same).

    FSRS's curve R = (1 + factor·t/S)^decay gives the interval t at which recall falls to R:
    t = S/factor · (R^(1/decay) − 1). Reviews per day scale with 1/t, and S cancels out.
    """
    decay, _ = forgetting_curve_constants(parameters)

    def interval(r: float) -> float:
        days: float = r ** (1 / decay) - 1  # float ** float is Any in typeshed
        return days

    return interval(reference) / interval(retention)


def parse_steps(text: str) -> list[float]:
    """Parse "1m 10m" (units s, m, h, d; a bare number is minutes) into minutes."""
    steps = []
    for token in text.replace(",", " ").split():
        unit = token[-1].lower() if token[-1].isalpha() else "m"
        number = token[:-1] if token[-1].isalpha() else token
        if unit not in UNIT_MINUTES:
            raise ValueError(f"unknown unit in {token!r} (use s, m, h or d)")
        try:
            steps.append(float(number) * UNIT_MINUTES[unit])
        except ValueError:
            raise ValueError(f"{token!r} is not a duration like 10m") from None
    return steps


def format_steps(minutes: list[float]) -> str:
    """The inverse of parse_steps, for the settings form."""
    parts = []
    for m in minutes:
        if m >= 60 and m % 60 == 0:
            parts.append(f"{m / 60:g}h")
        elif m < 1:
            parts.append(f"{m * 60:g}s")
        else:
            parts.append(f"{m:g}m")
    return " ".join(parts)


def load(session: Session, user_id: int) -> StudySettings:
    """The user's settings, or the defaults when none were saved."""
    return _settings_of(session.get(UserSettings, user_id))


SETTINGS_ROW = select(*UserSettings.__table__.c).where(UserSettings.user_id == bindparam("user_id"))


def _settings_of(row: UserSettings | Row[Any] | None) -> StudySettings:
    if row is None:
        return StudySettings()
    return StudySettings(
        desired_retention=row.desired_retention,
        new_per_day=row.new_per_day,
        reviews_per_day=row.reviews_per_day,
        timezone=row.timezone,
        day_starts_at_hour=row.day_starts_at_hour,
        learning_steps_minutes=list(row.learning_steps_minutes),
        relearning_steps_minutes=list(row.relearning_steps_minutes),
        maximum_interval_days=row.maximum_interval_days,
        new_card_order=row.new_card_order if row.new_card_order in NEW_CARD_ORDERS else "bank",
    )


def fsrs_parameters(session: Session, user_id: int) -> list[float] | None:
    return _parameters_of(session.get(UserSettings, user_id))


def _parameters_of(row: UserSettings | Row[Any] | None) -> list[float] | None:
    return None if row is None or not row.fsrs_parameters else list(row.fsrs_parameters)


def _row(session: Session, user_id: int) -> UserSettings:
    row = session.get(UserSettings, user_id)
    if row is None:
        row = UserSettings(user_id=user_id, **StudySettings().model_dump())
        session.add(row)
    return row


def save(session: Session, user_id: int, settings: StudySettings) -> None:
    """Store validated settings (the caller commits)."""
    row = _row(session, user_id)
    for name, value in settings.model_dump().items():
        setattr(row, name, value)


def save_parameters(session: Session, user_id: int, parameters: list[float]) -> None:
    _row(session, user_id).fsrs_parameters = [float(p) for p in parameters]


def validate(data: dict[str, Any]) -> tuple[StudySettings | None, dict[str, str]]:
    """Validate form or JSON input: the settings, or a message per field."""
    try:
        return StudySettings.model_validate(data), {}
    except ValidationError as error:
        messages: dict[str, str] = {}
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else "form"
            messages.setdefault(name, plain_message(item))
        return None, messages


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def plain_message(item: Any) -> str:
    """A validation error as a person would say it: "at most 0.97", "a whole number"."""
    ctx = item.get("ctx") or {}
    kind = item["type"]
    if kind in ("less_than_equal", "less_than"):
        return f"at most {_number(ctx['le'] if 'le' in ctx else ctx['lt'])}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"at least {_number(ctx['ge'] if 'ge' in ctx else ctx['gt'])}"
    if kind in ("int_parsing", "int_from_float"):
        return "a whole number, like 20"
    if kind == "float_parsing":
        return "a number, like 0.9"
    if kind == "literal_error":
        return "one of " + str(ctx.get("expected", "the listed choices"))
    if kind == "too_long":
        return f"at most {ctx.get('max_length')} steps"
    return str(item["msg"]).removeprefix("Value error, ")


class UserContext:
    """Everything study code needs to know about a user: settings, scheduler, calendar."""

    # The app's leech rule (DLCARDS_LEECH_*), set by the request dependency.
    leech_threshold: int = DEFAULT_LEECH_THRESHOLD
    leech_suspend: bool = False

    def __init__(
        self,
        user_id: int,
        settings: StudySettings,
        parameters: list[float] | None,
        default_zone: str | None,
        *,
        enable_fuzzing: bool = True,
    ) -> None:
        self.user_id = user_id
        self.settings = settings
        self.zone_name = settings.timezone or default_zone or machine_zone_name()
        self.calendar = StudyCalendar.of(self.zone_name, settings.day_starts_at_hour)
        base = SchedulerConfig()
        # Parameters stored by an older version may be out of fsrs's bounds: schedule with the
        # defaults rather than fail every page, and say so (settings page, rebuild --check).
        self.parameters_problem = parameters_problem(parameters) if parameters else None
        if self.parameters_problem:
            parameters = None
        self.config = SchedulerConfig(
            desired_retention=settings.desired_retention,
            learning_steps_minutes=tuple(settings.learning_steps_minutes),
            relearning_steps_minutes=tuple(settings.relearning_steps_minutes),
            maximum_interval_days=settings.maximum_interval_days,
            parameters=tuple(parameters) if parameters else base.parameters,
            enable_fuzzing=enable_fuzzing,
        )

    def fuzz_key(self, card_id: str) -> str:
        return f"{self.user_id}:{card_id}"


def user_context(
    session: Session, user_id: int, default_zone: str | None = None, *, enable_fuzzing: bool = True
) -> UserContext:
    # Once, as plain values (105 -> 28 µs on every study request); a missing row is not
    # remembered.
    row = read_connection(session).execute(SETTINGS_ROW, {"user_id": user_id}).first()
    return UserContext(
        user_id,
        _settings_of(row),
        _parameters_of(row),
        default_zone,
        enable_fuzzing=enable_fuzzing,
    )
