"""A user's progress as a JSON backup: settings, FSRS parameters, flags, review logs, notes,
mock interviews and interview dates.

Version 2 added the interview dates (and each mock interview's link to its date); a version 1
backup, which has neither, still imports.

The review log is the truth (every card state is replayed from it), so a backup holds the logs
and what the logs cannot say (settings, suspended and buried cards). Importing validates the
whole file first (format, version, every field, every card id known to this bank, no progress
here yet) and writes nothing unless all of it is valid; then the states are rebuilt from the
imported logs, exactly as ``dlcards study rebuild`` would.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from app.answers.matcher import MAX_ANSWER_CHARS
from app.cards.models import CardNote
from app.cards.notes import MAX_NOTE_CHARS
from app.content.schema import KEBAB_PATTERN
from app.db import write
from app.errors import FileRefused
from app.export import progress_dates as dates
from app.export import progress_interviews as mock
from app.interview.models import Interview
from app.models import Card, ReviewLog, ReviewState, Topic, User
from app.study import preferences, store
from app.study.preferences import MAX_STEPS, StudySettings, user_context
from app.study.rebuild import rebuild_user
from app.study.reviews import MAX_DURATION_MS
from app.study.scheduler import LogKind, parameters_problem

FORMAT: Final = "dlcards-progress"
VERSION: Final = 2
READABLE_VERSIONS: Final = (1, 2)
MAX_LOGS = 5_000_000
MAX_FLAGS = 100_000
UtcTime = Annotated[AwareDatetime, Field(description="ISO 8601 with a UTC offset")]
CardId = Annotated[str, Field(pattern=KEBAB_PATTERN, max_length=100)]
Step = Annotated[int, Field(ge=0, le=MAX_STEPS)]
Stability = Annotated[float, Field(gt=0, le=1e6)]
Difficulty = Annotated[float, Field(ge=1, le=10)]

# The moments a backup may name: reviews from this century up to a small clock skew past now;
# due dates and burials up to the longest interval past now. "now" is the importer's clock,
# given as validation context.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(days=1)
LATEST_DUE = timedelta(days=36500 + 366)


def _moment(value: datetime | None, info: ValidationInfo, *, ahead: timedelta) -> datetime | None:
    if value is None:
        return None
    now = (info.context or {}).get("now") or datetime.now(UTC)
    if not EARLIEST <= value <= now + ahead:
        raise ValueError(f"must lie between {EARLIEST:%Y-%m-%d} and {now + ahead:%Y-%m-%d}")
    return value


class LogEntry(BaseModel):
    """One review_logs row, without its database id (rows are kept in their original order)."""

    model_config = ConfigDict(extra="forbid")

    card_id: CardId
    rating: int = Field(ge=1, le=4)
    reviewed_at: UtcTime
    duration_ms: int | None = Field(None, ge=0, le=MAX_DURATION_MS)
    kind: LogKind
    review_token: str | None = Field(None, max_length=64)
    state_before: int | None = Field(None, ge=1, le=3)
    step_before: Step | None = None
    stability_before: Stability | None = None
    difficulty_before: Difficulty | None = None
    due_before: UtcTime | None = None
    state_after: int | None = Field(None, ge=1, le=3)
    step_after: Step | None = None
    stability_after: Stability | None = None
    difficulty_after: Difficulty | None = None
    due_after: UtcTime | None = None
    answer_text: str | None = Field(None, max_length=MAX_ANSWER_CHARS)

    @field_validator("reviewed_at")
    @classmethod
    def _reviewed_in_range(cls, value: datetime, info: ValidationInfo) -> datetime | None:
        return _moment(value, info, ahead=CLOCK_SKEW)

    @field_validator("due_before", "due_after")
    @classmethod
    def _due_in_range(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return _moment(value, info, ahead=LATEST_DUE)


class Flag(BaseModel):
    model_config = ConfigDict(extra="forbid")

    card_id: CardId
    suspended: bool = False
    buried_until: UtcTime | None = None
    flagged_at: UtcTime | None = Field(None, description="due of a never-reviewed flagged card")

    @field_validator("buried_until", "flagged_at")
    @classmethod
    def _in_range(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return _moment(value, info, ahead=LATEST_DUE)


class Note(BaseModel):
    """The user's note on a card (Markdown), as ``PUT /api/cards/<id>/note`` stores it."""

    model_config = ConfigDict(extra="forbid")

    card_id: CardId
    note: Annotated[str, Field(min_length=1, max_length=MAX_NOTE_CHARS)]
    updated_at: UtcTime

    @field_validator("updated_at")
    @classmethod
    def _in_range(cls, value: datetime, info: ValidationInfo) -> datetime | None:
        return _moment(value, info, ahead=CLOCK_SKEW)


class Backup(BaseModel):
    """The backup file; ``format`` and ``version`` say what it is before anything is read.

    Values are taken strictly as JSON types: "3" is not 3 and a Unix time is not a date (a file
    written by this app never holds either, so a lenient reading would only hide a damaged file).
    """

    model_config = ConfigDict(extra="forbid")

    format: Literal["dlcards-progress"]
    version: Literal[1, 2]
    exported_at: UtcTime
    settings: StudySettings
    fsrs_parameters: list[float] | None = Field(None, min_length=21, max_length=21)
    flags: list[Flag] = Field(default_factory=list, max_length=MAX_FLAGS)
    review_logs: list[LogEntry] = Field(default_factory=list, max_length=MAX_LOGS)
    notes: list[Note] = Field(
        default_factory=list, max_length=MAX_FLAGS, description="Optional: notes on cards"
    )
    interviews: list[mock.InterviewEntry] = Field(
        default_factory=list,
        max_length=mock.MAX_INTERVIEWS,
        description="Optional: mock interviews, their questions, answers and marks",
    )
    interview_dates: list[dates.InterviewDateEntry] = Field(
        default_factory=list,
        max_length=dates.MAX_DATES,
        description="Optional (version 2): interview dates, their topics, weights and scope",
    )

    @model_validator(mode="after")
    def _dates_need_version_2(self) -> Backup:
        if self.version == 1 and (
            self.interview_dates or any(i.interview_date is not None for i in self.interviews)
        ):
            raise ValueError("a version 1 backup holds no interview dates (version 2 does)")
        return self

    @field_validator("interview_dates")
    @classmethod
    def _dates_set_in_range(
        cls, entries: list[dates.InterviewDateEntry], info: ValidationInfo
    ) -> list[dates.InterviewDateEntry]:
        for entry in entries:
            _moment(entry.created_at, info, ahead=CLOCK_SKEW)
        return entries

    @field_validator("exported_at")
    @classmethod
    def _exported_in_range(cls, value: datetime, info: ValidationInfo) -> datetime | None:
        return _moment(value, info, ahead=CLOCK_SKEW)

    @field_validator("interviews")
    @classmethod
    def _interviews_in_range(
        cls, entries: list[mock.InterviewEntry], info: ValidationInfo
    ) -> list[mock.InterviewEntry]:
        for moment in mock.moments(entries):
            _moment(moment, info, ahead=CLOCK_SKEW)
        return entries

    @field_validator("fsrs_parameters")
    @classmethod
    def _accepted_by_fsrs(cls, parameters: list[float] | None) -> list[float] | None:
        problem = parameters_problem(parameters) if parameters is not None else None
        if problem:
            raise ValueError(problem)
        return parameters

    @field_validator("notes")
    @classmethod
    def _one_note_per_card(cls, notes: list[Note]) -> list[Note]:
        if len({n.card_id for n in notes}) != len(notes):
            raise ValueError("two notes for one card")
        return notes

    @field_validator("review_logs")
    @classmethod
    def _tokens_unique(cls, logs: list[LogEntry]) -> list[LogEntry]:
        tokens = [log.review_token for log in logs if log.review_token]
        if len(tokens) != len(set(tokens)):
            raise ValueError("two review logs share one review_token")
        return logs


LOG_FIELDS = tuple(LogEntry.model_fields)


def export_progress(session: Session, user_id: int, now: datetime) -> dict[str, Any]:
    """The user's progress as a JSON-ready dict (validated by the same model import uses)."""
    logs = list(
        session.scalars(
            select(ReviewLog).where(ReviewLog.user_id == user_id).order_by(ReviewLog.id)
        )
    )
    flags = session.scalars(
        select(ReviewState)
        .where(ReviewState.user_id == user_id)
        .where(ReviewState.suspended.is_(True) | ReviewState.buried_until.is_not(None))
        .order_by(ReviewState.card_id)
    )
    date_entries, date_index = dates.export_dates(session, user_id)
    backup = Backup(
        format=FORMAT,
        version=VERSION,
        exported_at=now.astimezone(UTC),
        settings=preferences.load(session, user_id),
        fsrs_parameters=preferences.fsrs_parameters(session, user_id),
        flags=[
            Flag(
                card_id=f.card_id,
                suspended=f.suspended,
                buried_until=f.buried_until,
                flagged_at=f.due if f.reps == 0 else None,
            )
            for f in flags
        ],
        review_logs=[
            LogEntry.model_validate({name: getattr(log, name) for name in LOG_FIELDS})
            for log in logs
        ],
        notes=[
            Note(card_id=n.card_id, note=n.note_md, updated_at=n.updated_at)
            for n in session.scalars(
                select(CardNote).where(CardNote.user_id == user_id).order_by(CardNote.card_id)
            )
        ],
        interviews=mock.export_interviews(
            session, user_id, {log.id: n for n, log in enumerate(logs)}, date_index
        ),
        interview_dates=date_entries,
    )
    return backup.model_dump(mode="json")


class ImportRefused(FileRefused):
    """The backup cannot be imported; ``problems`` say why, one per line. Nothing was changed."""


def parse_backup(raw: bytes) -> Any:
    """The JSON value of a backup file; ImportRefused for text that is not UTF-8 JSON.

    Nesting deeper than Python's recursion limit (``[`` × 100,000) is refused the same way.
    """
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ImportRefused(["not a UTF-8 text file"]) from None
    except json.JSONDecodeError as error:
        raise ImportRefused([f"not a JSON file: {error}"]) from None
    except RecursionError:
        raise ImportRefused(["not a backup: the JSON is nested too deeply"]) from None


def _shape(data: Any, now: datetime) -> Backup:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRefused([f'not a dlcards progress backup (expected "format": "{FORMAT}")'])
    if data.get("version") not in READABLE_VERSIONS:
        readable = " and ".join(map(str, READABLE_VERSIONS))
        raise ImportRefused(
            [f"backup version {data.get('version')!r} is not supported (this app reads {readable})"]
        )
    try:
        # Through JSON text, so strict mode reads JSON types (an ISO date is a string there);
        # NaN and ±Infinity, which Python's json module reads, are not JSON and are refused.
        text = json.dumps(data, allow_nan=False)
    except ValueError:
        problem = "the file holds NaN or Infinity, which are not JSON numbers"
        raise ImportRefused([problem]) from None
    try:
        return Backup.model_validate_json(text, strict=True, context={"now": now})
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}"
            + (f" (got {_shown(e['input'])})" if e["type"] != "missing" else "")
            for e in error.errors()
        ]
        shown = problems[:10]
        if len(problems) > len(shown):
            shown.append(f"… and {len(problems) - len(shown)} more problems")
        raise ImportRefused(shown) from None


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _theirs(user_id: int) -> ColumnElement[bool]:
    """Cards a backup may name: the bank's (retired too: logs outlive cards) and the user's."""
    return or_(Card.owner_id.is_(None), Card.owner_id == user_id)


def validate_backup(session: Session, user_id: int, data: Any, now: datetime) -> Backup:
    """The backup, if it is valid and fits this database; else ImportRefused."""
    backup = _shape(data, now)
    if session.get(User, user_id) is None:
        raise ImportRefused([f"no user {user_id} in this database"])
    cited = {log.card_id for log in backup.review_logs} | {f.card_id for f in backup.flags}
    cited |= {n.card_id for n in backup.notes} | mock.cited_cards(backup.interviews)
    known = set(session.scalars(select(Card.id).where(Card.id.in_(cited), _theirs(user_id))))
    missing = sorted(cited - known)
    if missing:
        listed = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise ImportRefused(
            [
                f"the backup refers to {len(missing)} card(s) not in this question bank "
                f"({listed}); load the same bank first (dlcards content load)"
            ]
        )
    problems = mock.interview_problems(
        backup.interviews, [log.card_id for log in backup.review_logs]
    )
    topics = mock.cited_topics(backup.interviews)
    unknown = sorted(topics - set(session.scalars(select(Topic.id).where(Topic.id.in_(topics)))))
    if unknown:
        problems.append(f"interviews name topic(s) not in this question bank: {', '.join(unknown)}")
    problems += dates.date_problems(
        session, user_id, backup.interview_dates, backup.interviews, now
    )
    if problems:
        raise ImportRefused(problems[:10])
    existing = session.scalar(
        select(func.count()).select_from(ReviewLog).where(ReviewLog.user_id == user_id)
    ) or session.scalar(
        select(func.count()).select_from(Interview).where(Interview.user_id == user_id)
    )
    if existing:
        raise ImportRefused(
            [
                f"this database already holds {existing} review(s) or interview(s) for this user; "
                "import a backup only into a fresh install"
            ]
        )
    return backup


def import_progress(
    session: Session, user_id: int, data: Any, now: datetime, default_zone: str | None = None
) -> int:
    """Validate, then write settings, flags and logs and rebuild the states, in one transaction.

    Returns the number of review logs imported; raises ImportRefused with nothing changed: a
    replay that fails (a state FSRS cannot continue from) rolls back the logs with it.
    """
    backup = validate_backup(session, user_id, data, now)
    with write(session, user_id):
        preferences.save(session, user_id, backup.settings)
        if backup.fsrs_parameters:
            preferences.save_parameters(session, user_id, backup.fsrs_parameters)
        logs = [ReviewLog(user_id=user_id, **entry.model_dump()) for entry in backup.review_logs]
        session.add_all(logs)
        for flag in backup.flags:
            row = store.ensure_row(session, user_id, flag.card_id, flag.flagged_at or now)
            row.suspended, row.buried_until = flag.suspended, flag.buried_until
        session.execute(delete(CardNote).where(CardNote.user_id == user_id))
        for note in backup.notes:
            session.add(
                CardNote(
                    user_id=user_id,
                    card_id=note.card_id,
                    note_md=note.note,
                    updated_at=note.updated_at,
                )
            )
        session.flush()
        date_ids = dates.add_dates(session, user_id, backup.interview_dates, now)
        mock.add_interviews(
            session, user_id, backup.interviews, [log.id for log in logs], date_ids
        )
        session.flush()
        report = rebuild_user(
            session, user_context(session, user_id, default_zone), now=now, commit=False
        )
        if report.broken:
            card_id, reason = report.broken[0][1:]
            raise ImportRefused([f"review_logs for {card_id} cannot be replayed: {reason}"])
    return len(backup.review_logs)
