"""The own-cards JSON API: create, read, replace, retire, fork; notes and reports on any card.

Bodies are the card file's front-matter fields plus ``answer`` (Markdown); a refused card is
a 422 whose issues name each field, and nothing is written.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.cards import own
from app.cards.notes import MAX_NOTE_CHARS, get_note, set_note
from app.cards.queries import get_card_or_404
from app.cards.reports import MAX_COMMENT_CHARS, Reason, add_report
from app.content.schema import DemoLink, Kebab, Level, Text
from app.db import SessionDep
from app.deps import NowDep, UserIdDep
from app.models import Card

router = APIRouter(prefix="/api", tags=["own cards"])


class CardIn(BaseModel):
    """A card as its file holds it; ``id`` is derived from the question when absent."""

    model_config = ConfigDict(extra="forbid")

    id: Kebab | None = None
    question: Text
    topic: Kebab
    topic_title: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="The title of a new topic (default: from its id)"
    )
    level: Level
    tags: list[Kebab] = Field(default_factory=list, max_length=20)
    key_points: list[Text] = Field(min_length=1, max_length=8)
    follow_ups: list[Text] = Field(default_factory=list, max_length=10)
    demos: list[DemoLink] = Field(default_factory=list, max_length=10)
    references: list[Text] = Field(default_factory=list, max_length=12)
    answer: Annotated[str, Field(min_length=1, max_length=own.MAX_ANSWER_CHARS)]

    def draft(self) -> own.Draft:
        fields = self.model_dump(exclude={"answer", "topic_title"}, exclude_none=True)
        return own.Draft(fields, self.answer, self.topic_title)


class CardOut(BaseModel):
    id: str
    question: str
    topic: str
    level: str
    tags: list[str]
    key_points: list[str]
    follow_ups: list[str]
    demos: list[dict[str, Any]]
    references: list[str]
    aliases: list[str]
    answer: str = Field(description="Markdown")
    answer_html: str
    own: bool = Field(description="Your own card (editable); false: a bank card (fork it)")
    note: str = Field(description="Your note on the card (Markdown), empty when none")


class IdOut(BaseModel):
    id: str


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, Field(max_length=MAX_NOTE_CHARS)]


class NoteOut(BaseModel):
    card_id: str
    note: str


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason
    comment: Annotated[str, Field(max_length=MAX_COMMENT_CHARS)] = ""


class ReportOut(BaseModel):
    id: int


def _card_out(session: SessionDep, user_id: int, card: Card) -> CardOut:
    return CardOut(
        id=card.id, question=card.question, topic=card.topic_id, level=card.level,
        tags=card.tags, key_points=card.key_points, follow_ups=card.follow_ups,
        demos=card.demos, references=card.references, aliases=card.aliases,
        answer=card.answer_md, answer_html=card.answer_html, own=card.owner_id == user_id,
        note=get_note(session, user_id, card.id),
    )  # fmt: skip


@router.post("/cards", status_code=201)
def create_card(body: CardIn, request: Request, session: SessionDep, user_id: UserIdDep) -> IdOut:
    """Write an own card; 201 with its id."""
    card_id = own.save_card(session, request.app.state.settings, user_id, body.draft())
    return IdOut(id=card_id)


@router.get("/cards/{card_id}")
def read_card(card_id: str, session: SessionDep, user_id: UserIdDep) -> CardOut:
    """A card you can see (bank or your own), with your note."""
    return _card_out(session, user_id, get_card_or_404(session, card_id, user_id))


@router.put("/cards/{card_id}")
def replace_card(
    card_id: str, body: CardIn, request: Request, session: SessionDep, user_id: UserIdDep
) -> IdOut:
    """Replace an own card (a new ``id`` renames it; the old id goes to ``aliases``)."""
    card = own.editable_card(session, user_id, card_id)
    draft = body.draft()
    draft.fields.setdefault("id", card.id)
    draft.fields.setdefault("synonyms", card.synonyms)
    new_id = own.save_card(session, request.app.state.settings, user_id, draft, current=card)
    return IdOut(id=new_id)


@router.delete("/cards/{card_id}", status_code=204)
def retire_card(
    card_id: str, request: Request, session: SessionDep, user_id: UserIdDep
) -> Response:
    """Retire an own card (hidden, history kept; restore it from /cards/retired)."""
    card = own.editable_card(session, user_id, card_id)
    own.retire_card(session, request.app.state.settings, user_id, card)
    return Response(status_code=204)


@router.post("/cards/{card_id}/fork", status_code=201)
def fork_card(card_id: str, request: Request, session: SessionDep, user_id: UserIdDep) -> IdOut:
    """Fork a bank card into an own card; your review history moves to the fork."""
    card = get_card_or_404(session, card_id, user_id)
    return IdOut(id=own.fork_card(session, request.app.state.settings, user_id, card))


@router.put("/cards/{card_id}/note")
def put_note(
    card_id: str, body: NoteIn, session: SessionDep, user_id: UserIdDep, now: NowDep
) -> NoteOut:
    """Your note on any card (Markdown; an empty note deletes it)."""
    card = get_card_or_404(session, card_id, user_id)
    set_note(session, user_id, card.id, body.note, now)
    return NoteOut(card_id=card.id, note=body.note.strip())


@router.post("/cards/{card_id}/reports", status_code=201)
def post_report(
    card_id: str, body: ReportIn, session: SessionDep, user_id: UserIdDep, now: NowDep
) -> ReportOut:
    """Report a problem with a card: wrong, unclear, outdated or a typo."""
    card = get_card_or_404(session, card_id, user_id)
    return ReportOut(id=add_report(session, user_id, card.id, body.reason, body.comment, now))
