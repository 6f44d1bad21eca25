"""What a study request asks for: which cards (``Filters``) and how to pick them (``StudyMode``).

``StudyScope`` carries both from the request to the queue, the view and back into the links
and forms of the page. Adding a study mode touches ``StudyMode``, its branch in
``queue.next_card`` and its words in ``templates/study/study.html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class StudyMode(StrEnum):
    """How the queue picks the next card, and how an answer counts."""

    NORMAL = "study"  # due learning cards, then reviews, then new cards, within the limits
    AHEAD = "ahead"  # after that, the soonest-due scheduled card (the user asked)
    CRAM = "cram"  # every card of the filter, least recently crammed; the schedule is unchanged
    INTERVIEW = "interview"  # an interview date's weakest cards on the day first


@dataclass(frozen=True)
class RecallTarget:
    """Interview-date study: the cards of ``topics`` that FSRS predicts weakest at ``at``.

    ``topics`` pairs each topic with its weight (empty: every topic, weight 1); cards whose
    predicted recall at ``at`` is below ``below`` come first, largest weight × (1 − recall) first.
    """

    id: int
    name: str
    at: datetime
    topics: tuple[tuple[str, float], ...] = ()
    below: float = 0.9
    levels: tuple[str, ...] = ()  # empty: every level
    tags: tuple[str, ...] = ()  # empty: any tag; else at least one of these


@dataclass(frozen=True)
class Filters:
    """The optional ``?topic=&level=&tag=&interview_date=`` filters of the study screen and API."""

    topic: str | None = None
    level: str | None = None
    tag: str | None = None
    interview: RecallTarget | None = None

    def query(self) -> dict[str, str]:
        params = {
            k: v for k, v in (("topic", self.topic), ("level", self.level), ("tag", self.tag)) if v
        }
        if self.interview is not None:
            params["interview_date"] = str(self.interview.id)
        return params


@dataclass(frozen=True)
class StudyScope:
    """The cards a study request is about and the mode that picks among them."""

    filters: Filters = Filters()
    mode: StudyMode = StudyMode.NORMAL

    @classmethod
    def of(cls, filters: Filters, mode: str | None = None) -> StudyScope:
        """The scope a request asked for: its mode (normal when absent or unknown), where normal
        study for an interview date's filter is interview study."""
        chosen = StudyMode(mode) if mode in tuple(StudyMode) else StudyMode.NORMAL
        if chosen is StudyMode.NORMAL and filters.interview is not None:
            chosen = StudyMode.INTERVIEW
        return cls(filters, chosen)

    def query(self, **extra: str) -> dict[str, str]:
        """The filters and mode as query parameters, to come back to the same queue."""
        params = self.filters.query()
        if self.mode is StudyMode.CRAM:
            params["mode"] = "cram"
        elif self.mode is StudyMode.AHEAD:
            params["ahead"] = "1"
        params.update(extra)
        return params
