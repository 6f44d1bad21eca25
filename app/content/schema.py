"""The card file format, validated by pydantic: one model, one place for the rules."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)

KEBAB_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

MAX_ID_CHARS = 100  # a card id, tag or link id: the cards.id column is VARCHAR(100)
Kebab = Annotated[str, StringConstraints(pattern=KEBAB_PATTERN, max_length=MAX_ID_CHARS)]
# Topic ids are narrower than card ids: the topics table's id column is VARCHAR(64).
TopicId = Annotated[str, StringConstraints(pattern=KEBAB_PATTERN, max_length=64)]
# No NUL character: a card file may not hold one, and PostgreSQL text cannot.
NO_NUL = r"^[^\x00]*$"
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000, pattern=NO_NUL)
]
Level = Literal["beginner", "intermediate", "advanced"]
LEVELS: tuple[Level, ...] = get_args(Level)  # easiest first

_CARD_ID = re.compile(KEBAB_PATTERN)


def is_card_id(text: str) -> bool:
    """Whether ``text`` can be a card id at all: a lookup by anything else finds nothing.

    Checked before the database sees it, as PostgreSQL refuses a NUL character in a parameter.
    """
    return len(text) <= MAX_ID_CHARS and _CARD_ID.fullmatch(text) is not None


class DemoLink(BaseModel):
    """A card's link to a demo, opened with preset parameters."""

    model_config = ConfigDict(extra="forbid")

    demo: Kebab
    params: dict[str, Any] = Field(default_factory=dict)
    label: Text | None = None


class ProblemSpec(BaseModel):
    """A practice problem: the generator that draws its numbers, narrowed ranges, the question."""

    model_config = ConfigDict(extra="forbid")

    generator: Kebab
    question: Text  # a template: {name} placeholders filled from each draw
    ranges: dict[Kebab | str, tuple[float, float]] = Field(default_factory=dict, max_length=20)

    @model_validator(mode="after")
    def _generator_accepts(self) -> ProblemSpec:
        from app.problems.registry import (
            GENERATORS,
            placeholders,
            range_errors,
            template_fields,
        )

        generator = GENERATORS.get(self.generator)
        if generator is None:
            raise ValueError(f"unknown generator {self.generator!r}")
        errors = range_errors(generator, self.ranges)
        unknown = template_fields(self.question) - placeholders(self.generator)
        if unknown:
            known = ", ".join(sorted(placeholders(self.generator)))
            errors.append(f"question names unknown {sorted(unknown)} (known: {known})")
        if errors:
            raise ValueError("; ".join(errors))
        return self


class KeyPoint(BaseModel):
    """A key point written as a mapping: its text and the wrong statements candidates make."""

    model_config = ConfigDict(extra="forbid")

    text: Text
    # Each one, said in an answer, marks the point contradicted rather than missing.
    confusions: list[Text] = Field(min_length=1, max_length=8)


class PointText(str):
    """A key point's text, a plain string everywhere, that also carries its confusions."""

    confusions: tuple[str, ...]

    def __new__(cls, text: str, confusions: tuple[str, ...] = ()) -> PointText:
        point = super().__new__(cls, text)
        point.confusions = confusions
        return point


def _key_point(value: Any, handler: ValidatorFunctionWrapHandler) -> PointText:
    """A key point is a string, or ``{text, confusions}`` (a card may mix both forms).

    A mapping without ``text`` is most likely an unquoted colon ("too high: ..."), so it gets
    the string error that says so.
    """
    if isinstance(value, dict) and "text" in value:
        point = KeyPoint.model_validate(value)
        return PointText(point.text, tuple(point.confusions))
    return PointText(handler(value))


KeyPointEntry = Annotated[Text, WrapValidator(_key_point)]


class CardFront(BaseModel):
    """The YAML front matter of one card file."""

    model_config = ConfigDict(extra="forbid")

    id: Kebab
    question: Text
    topic: TopicId
    level: Level
    tags: list[Kebab] = Field(default_factory=list, max_length=20)
    key_points: list[KeyPointEntry] = Field(min_length=1, max_length=8)
    follow_ups: list[Text] = Field(default_factory=list, max_length=10)
    demos: list[DemoLink] = Field(default_factory=list, max_length=10)
    references: list[Text] = Field(default_factory=list, max_length=12)
    synonyms: list[Annotated[list[Text], Field(min_length=2, max_length=10)]] = Field(
        default_factory=list, max_length=30
    )
    aliases: list[Kebab] = Field(default_factory=list, max_length=10)
    problem: ProblemSpec | None = None

    @field_validator("aliases")
    @classmethod
    def _aliases_are_not_self(cls, aliases: list[str], info: Any) -> list[str]:
        if info.data.get("id") in aliases:
            raise ValueError("a card cannot list its own id as an alias")
        return aliases


class TopicEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: TopicId
    title: Text
    description: Text
