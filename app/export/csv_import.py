"""CSV/TSV → drafts of own cards, the header naming the columns.

The header row says which column holds what, in any order and case, with the names other
apps use (Anki's and Quizlet's ``front``/``back``, ``deck`` for the topic…). Every problem is
reported as ``file:line: field: problem`` before anything is written, so a person can fix the
file in one pass.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re

from app.cards import own
from app.export.card_import import (
    IMPORT_TOPIC,
    MAX_CARDS,
    ImportRefused,
    Plan,
    key_point_of,
    stable_id,
)

PREVIEW_ROWS = 10
MAX_PROBLEMS = 20
# A card field → the header names that mean it (compared lower-case, spaces/dashes as "_").
SYNONYMS: dict[str, tuple[str, ...]] = {
    "question": ("question", "front", "q", "prompt", "term"),
    "answer": ("answer", "back", "a", "response", "definition"),
    "tags": ("tags", "tag", "labels", "keywords"),
    "topic": ("topic", "deck", "category", "subject"),
    "level": ("level", "difficulty"),
    "key_points": ("key_points", "keypoints", "points"),
    "follow_ups": ("follow_ups", "followups"),
    "references": ("references", "reference", "refs", "sources"),
    "id": ("id",),
}
FIELD_OF = {name: field for field, names in SYNONYMS.items() for name in names}
REQUIRED = ("question", "answer")
LIST_FIELDS = ("key_points", "follow_ups", "references")
# One item per line inside a quoted cell, or items separated by " | ".
LIST_SEPARATOR = re.compile(r"\s*\n\s*|\s+\|\s+")


def _normal(header: str) -> str:
    return re.sub(r"[\s_-]+", "_", header.strip().lower())


def column_mapping(header: list[str], name: str) -> list[tuple[str, str]]:
    """(column as written, card field) for each column; ImportRefused names every bad one."""
    problems: list[str] = []
    mapping: list[tuple[str, str]] = []
    first_of: dict[str, str] = {}
    for number, written in enumerate(header, start=1):
        field = FIELD_OF.get(_normal(written))
        if field is None:
            shown = written.strip() or f"column {number}"
            known = ", ".join(SYNONYMS)
            problems.append(f"{name}:1: {shown}: unknown column (the fields are {known})")
        elif field in first_of:
            problems.append(
                f"{name}:1: {field}: duplicate column ({first_of[field]!r} and {written.strip()!r}"
                " both mean it)"
            )
        else:
            first_of[field] = written.strip()
            mapping.append((written.strip(), field))
    for field in REQUIRED:
        if field not in first_of:
            names = " or ".join(SYNONYMS[field][:2])
            problems.append(f"{name}:1: {field}: missing column (name one {names})")
    if problems:
        raise ImportRefused(problems)
    return mapping


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problem = f"{name}:{line}: file: not UTF-8 text; save the file as UTF-8"
        raise ImportRefused([problem]) from None


def plan_csv(raw: bytes, name: str = "upload.csv") -> Plan:
    """Rows of a CSV/TSV whose header names at least the question and answer columns."""
    text = _decode(raw, name)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ImportRefused([f"{name}:1: file: not a readable CSV file ({error})"]) from None
    if not rows:
        raise ImportRefused([f"{name}:1: file: the file is empty"])
    mapping = column_mapping(rows[0], name)
    fields = [field for _, field in mapping]
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    if len(body) > MAX_CARDS:
        raise ImportRefused([f"{name}: file: {len(body)} rows; at most {MAX_CARDS} in one import"])
    ragged = [
        f"{name}:{n}: row: {len(r)} columns, the header has {len(fields)}"
        for n, r in body
        if len(r) != len(fields)
    ]
    if ragged:
        raise ImportRefused(ragged[:MAX_PROBLEMS])
    plan = Plan(columns=mapping)
    for number, row in body:
        values = dict(zip(fields, (c.strip() for c in row), strict=True))
        digest = hashlib.sha256(f"{values['question']}\x1f{values['answer']}".encode())
        draft = _draft(values, stable_id("csv", digest.hexdigest()[:12]))
        plan.drafts.append((f"{name}:{number}", draft))
        if len(plan.preview) < PREVIEW_ROWS:
            plan.preview.append({field: values.get(field, "") for field in fields})
    return plan


def _draft(values: dict[str, str], default_id: str) -> own.Draft:
    """One row as a draft: its own id column, else a stable id from its question and answer."""
    question, answer = values["question"], values["answer"]
    topic = values.get("topic") or IMPORT_TOPIC
    fields: dict[str, object] = {
        "id": values.get("id") or default_id,
        "question": question,
        "topic": topic,
        "level": values.get("level") or "intermediate",
        "tags": values.get("tags", "").replace(",", " ").split(),
    }
    for field in LIST_FIELDS:
        items = [item for item in LIST_SEPARATOR.split(values.get(field, "")) if item]
        if items:
            fields[field] = items
    fields.setdefault("key_points", [key_point_of(answer)] if answer else [])
    title = "Imported" if topic == IMPORT_TOPIC else topic.replace("-", " ").capitalize()
    return own.Draft(fields, answer, title)
