"""Parse the question bank's files: topics.yaml and card files into a ``Bank``.

Pure: files in, values out, no database (app.content.sync writes a Bank). Parsing never
stops at the first bad file: every problem is collected as a
``Problem(path, line, field, message)`` so ``dlcards content check`` can list them all.
A user's own cards (app.cards.own) are card files of the same format in that user's folder,
read by ``read_user_bank``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.content.schema import CardFront, TopicEntry

TOPICS_FILE = "topics.yaml"
NESTED_TOO_DEEPLY = "nested too deeply to read"
# libyaml's parser (PyYAML's wheels carry it), else the pure-Python one: the whole bank is read
# at every start, and the Python parser took 0.9 s of a 4.3 s start (bench/startup.py).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Parse YAML safely (plain data only), with the fastest parser this PyYAML has."""
    return yaml.load(text, Loader=YAML_LOADER)


FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n?(.*)\Z", re.DOTALL)
MIN_ANSWER_WORDS = 20
MAX_ANSWER_WORDS = 600
# Own cards (imported from Anki, written in a hurry) may be as short as one word.
MIN_OWN_ANSWER_WORDS = 1
# Part of every card's content hash. Bump it whenever a field derived from unchanged files
# changes (rendered HTML, markdown/pygments options, a new stored derived column): a card is
# re-derived only when its hash changes, so without a bump old rows keep the old output.
RENDER_VERSION = "1"


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


@dataclass(frozen=True)
class ParsedCard:
    front: CardFront
    body: str
    path: str
    content_hash: str


@dataclass
class Bank:
    topics: list[TopicEntry] = field(default_factory=list)
    cards: list[ParsedCard] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def invalid_ids(self) -> set[str]:
        """Ids (file names) of cards whose files exist but failed validation."""
        return {Path(p.path).stem for p in self.problems if p.path.endswith(".md")}


def read_bank(content_dir: Path) -> Bank:
    """Parse topics.yaml and every card file, collecting every problem found."""
    bank = Bank()
    if not content_dir.is_dir():
        bank.problems.append(Problem(str(content_dir), 0, "content_dir", "folder not found"))
        return bank
    bank.topics = _read_topics(content_dir / TOPICS_FILE, bank.problems)
    _read_cards(bank, content_dir, {t.id for t in bank.topics}, MIN_ANSWER_WORDS)
    return bank


def read_user_bank(folder: Path, known_topics: set[str]) -> Bank:
    """A user's own card files: topics are the known ones plus the folder's optional topics.yaml.

    Folders whose name starts with a dot (``.retired``) are not read.
    """
    bank = Bank()
    if not folder.is_dir():
        return bank
    if (folder / TOPICS_FILE).exists():
        bank.topics = _read_topics(folder / TOPICS_FILE, bank.problems)
    _read_cards(bank, folder, known_topics | {t.id for t in bank.topics}, MIN_OWN_ANSWER_WORDS)
    return bank


def _read_cards(bank: Bank, content_dir: Path, topic_ids: set[str], min_words: int) -> None:
    seen: dict[str, str] = {}
    paths = [p for p in content_dir.glob("*/*.md") if not p.parent.name.startswith(".")]
    for path in sorted(paths):
        card = _read_card(path, content_dir, topic_ids, bank.problems, min_words)
        if card is None:
            continue
        first = seen.get(card.front.id)
        if first is not None:
            bank.problems.append(
                Problem(
                    str(path),
                    _key_line(path.read_text("utf-8"), "id"),
                    "id",
                    f"duplicate id {card.front.id!r}, also in {first}",
                )
            )
            continue
        seen[card.front.id] = card.path
        bank.cards.append(card)
    _check_aliases(bank, content_dir)


def _read_topics(path: Path, problems: list[Problem]) -> list[TopicEntry]:
    try:
        raw = load_yaml(path.read_text("utf-8"))
    except FileNotFoundError:
        problems.append(Problem(str(path), 0, "topics", "file not found"))
        return []
    except OSError as error:
        problems.append(Problem(str(path), 0, "topics", f"cannot be read ({error.strerror})"))
        return []
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        problems.append(Problem(str(path), line, "file", "not valid UTF-8"))
        return []
    except yaml.YAMLError as error:
        problems.append(Problem(str(path), _yaml_line(error), "yaml", _yaml_message(error)))
        return []
    except RecursionError:
        problems.append(Problem(str(path), 1, "yaml", NESTED_TOO_DEEPLY))
        return []
    if not isinstance(raw, list):
        problems.append(Problem(str(path), 1, "topics", "expected a list of topics"))
        return []
    topics = []
    for index, entry in enumerate(raw):
        try:
            topics.append(TopicEntry.model_validate(entry))
        except ValidationError as error:
            for err in error.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "topic"
                problems.append(Problem(str(path), 0, f"[{index}].{loc}", err["msg"]))
    return topics


def _read_card(
    path: Path,
    content_dir: Path,
    topic_ids: set[str],
    problems: list[Problem],
    min_words: int = MIN_ANSWER_WORDS,
) -> ParsedCard | None:
    display = str(path)
    try:
        raw_bytes = path.read_bytes()
        source = raw_bytes.decode("utf-8")
    except OSError as error:  # a folder named x.md, a dangling link, no permission
        problems.append(Problem(display, 0, "file", f"not a readable file ({error.strerror})"))
        return None
    except UnicodeDecodeError as error:
        line = raw_bytes[: error.start].count(b"\n") + 1
        problems.append(Problem(display, line, "file", "not valid UTF-8"))
        return None
    if "\0" in source:
        line = source[: source.index("\0")].count("\n") + 1
        problems.append(Problem(display, line, "file", "contains a NUL byte"))
        return None
    match = FRONT_MATTER.match(source)
    if match is None:
        problems.append(Problem(display, 1, "front matter", "file must start with a '---' block"))
        return None
    front_text, body = match.group(1), match.group(2).strip()
    try:
        data = load_yaml(front_text)
    except yaml.YAMLError as error:
        problems.append(Problem(display, _yaml_line(error) + 1, "yaml", _yaml_message(error)))
        return None
    except RecursionError:
        problems.append(Problem(display, 2, "yaml", NESTED_TOO_DEEPLY))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(display, 2, "front matter", "expected 'key: value' lines"))
        return None
    try:
        front = CardFront.model_validate(data)
    except ValidationError as error:
        for err in error.errors():
            key = str(err["loc"][0]) if err["loc"] else "front matter"
            loc = ".".join(str(p) for p in err["loc"]) or key
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = "unknown field"
            problems.append(Problem(display, _loc_line(source, err["loc"]), loc, message))
        return None
    before = len(problems)

    def report(key: str, message: str) -> None:
        problems.append(Problem(display, _key_line(source, key), key, message))

    if path.stem != front.id:
        report("id", f"must equal the file name {path.stem!r}")
    if path.parent.name != front.topic:
        report("topic", f"must equal the folder name {path.parent.name!r}")
    elif front.topic not in topic_ids:
        report("topic", f"unknown topic {front.topic!r}: add it to {TOPICS_FILE}")
    words = len(body.split())
    if not min_words <= words <= MAX_ANSWER_WORDS:
        body_line = source[: match.start(2)].count("\n") + 1
        expected = f"{min_words}-{MAX_ANSWER_WORDS}"
        problems.append(
            Problem(display, body_line, "answer", f"{words} words; expected {expected}")
        )
    problems.extend(_check_demo_links(display, source, front))
    if len(problems) > before:
        return None
    digest = hashlib.sha256(raw_bytes + RENDER_VERSION.encode()).hexdigest()
    return ParsedCard(front, body, str(path.relative_to(content_dir)), digest)


def _check_demo_links(display: str, source: str, front: CardFront) -> list[Problem]:
    """A link to a built demo must carry parameters that demo accepts."""
    from app.demos.registry import get_demo

    problems = []
    for index, link in enumerate(front.demos):
        demo = get_demo(link.demo)
        if demo is None:
            continue  # not built yet: shown disabled on the card page
        try:
            demo.params.model_validate(link.params)
        except ValidationError as error:
            for err in error.errors():
                loc = ".".join(str(p) for p in err["loc"])
                problems.append(
                    Problem(
                        display,
                        _key_line(source, "demos"),
                        f"demos[{index}].params.{loc}",
                        f"{link.demo}: {err['msg']}",
                    )
                )
    return problems


def _check_aliases(bank: Bank, content_dir: Path) -> None:
    ids = {card.front.id: card.path for card in bank.cards}
    for card in bank.cards:
        for alias in card.front.aliases:
            if alias in ids:
                bank.problems.append(
                    Problem(
                        str(content_dir / card.path),
                        1,
                        "aliases",
                        f"{alias!r} is the id of a current card ({ids[alias]})",
                    )
                )


def _key_line(source: str, key: str) -> int:
    """1-based line of a top-level front-matter key, or 1 when it is absent."""
    match = re.search(rf"^{re.escape(key)}\s*:", source, re.MULTILINE)
    return source[: match.start()].count("\n") + 1 if match else 1


def _loc_line(source: str, loc: tuple[Any, ...]) -> int:
    """Line of the offending value: the n-th ``- item`` of a list key, else the key's line."""
    line = _key_line(source, str(loc[0])) if loc else 1
    if len(loc) < 2 or not isinstance(loc[1], int):
        return line
    lines = source.splitlines()
    seen = -1
    for number in range(line, len(lines)):
        text = lines[number]
        if text and not text[0].isspace() and not text.startswith("-"):
            break  # the next top-level key
        if re.match(r"^\s*- ", text) and len(text) - len(text.lstrip()) <= 2:
            seen += 1
            if seen == loc[1]:
                return number + 1
    return line


def _yaml_line(error: yaml.YAMLError) -> int:
    mark = getattr(error, "problem_mark", None)
    return mark.line + 1 if mark is not None else 1


def _yaml_message(error: yaml.YAMLError) -> str:
    message = str(getattr(error, "problem", None) or error).strip()
    # libyaml stops at a depth of 1,000 where Python's parser hits its recursion limit
    return NESTED_TOO_DEEPLY if "maximum nesting depth" in message else message
