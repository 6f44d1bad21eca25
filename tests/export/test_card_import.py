"""Importing own cards: Anki (both layouts, built here), CSV/TSV, zips of card files, bad input.

Every refusal leaves the database and the user's folder as they were.
"""

from __future__ import annotations

import io
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import genanki
import pytest
import zstandard
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.export import import_routes
from app.export.anki_import import html_to_markdown
from app.main import create_app
from app.models import Card
from tests.conftest import FIXTURE_BANK, make_settings
from tests.factories import own_card_file

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path)), follow_redirects=False) as client:
        yield client


def _own_count(client: TestClient) -> int:
    with client.app.state.sessionmaker() as session:
        return session.scalar(select(func.count()).where(Card.owner_id.isnot(None))) or 0


def _files(client: TestClient) -> list[str]:
    root: Path = client.app.state.settings.own_cards_dir
    return (
        sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )


def _post(client: TestClient, data: bytes, fmt: str, name: str = "deck.apkg", dry: bool = False):
    return client.post(
        "/api/import",
        files={"file": (name, data, "application/octet-stream")},
        data={"format": fmt, "dry_run": str(dry).lower()},
    )


def _apkg(tmp_path: Path) -> bytes:
    (tmp_path / "neuron.png").write_bytes(PNG)
    deck = genanki.Deck(2059400110, "Interview")
    deck.add_note(genanki.Note(
        model=genanki.BASIC_MODEL, tags=["ML::Basics", "math"],
        fields=["What is <b>softmax</b>?",
                r"It maps logits to \(p_i = e^{z_i}/\sum_j e^{z_j}\).<br>"
                r'\[\sum_i p_i = 1\]<img src="neuron.png">'],
    ))  # fmt: skip
    deck.add_note(genanki.Note(
        model=genanki.BASIC_AND_REVERSED_CARD_MODEL,
        fields=["<script>alert(1)</script>Why ReLU?",
                '<img src=x onerror="alert(1)">Cheap, no saturation'],
    ))  # fmt: skip
    deck.add_note(
        genanki.Note(model=genanki.CLOZE_MODEL, fields=["{{c1::Adam}} is an optimizer", ""])
    )
    path = tmp_path / "deck.apkg"
    genanki.Package(deck, media_files=[str(tmp_path / "neuron.png")]).write_to_file(str(path))
    return path.read_bytes()


def test_an_apkg_built_with_genanki_becomes_own_cards(client: TestClient, tmp_path: Path) -> None:
    raw = _apkg(tmp_path)
    preview = _post(client, raw, "anki", dry=True)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert len(body["created"]) == 2 and all(i.startswith("anki-") for i in body["created"])
    assert body["skipped"] == [
        {"source": "note type 'Cloze (genanki)'", "reason": "1 note(s) of a type not imported"}
    ]
    assert _own_count(client) == 0 and _files(client) == []  # a dry run writes nothing
    done = _post(client, raw, "anki")
    assert done.status_code == 200 and done.json()["created"] == body["created"]
    softmax = client.get(f"/api/cards/{body['created'][0]}").json()
    assert softmax["question"] == "What is **softmax**?"
    assert softmax["tags"] == ["ml-basics", "math"] and softmax["topic"] == "imported"
    assert "$p_i = e^{z_i}/\\sum_j e^{z_j}$" in softmax["answer"]
    assert "$$\\sum_i p_i = 1$$" in softmax["answer"]
    assert '<span class="math inline">' in softmax["answer_html"]
    assert '<img src="/cards/media/neuron.png"' in softmax["answer_html"]
    media = client.get("/cards/media/neuron.png")
    assert media.status_code == 200 and media.content == PNG
    relu = client.get(f"/api/cards/{body['created'][1]}").json()
    assert "script" not in relu["question"] and "onerror" not in relu["answer_html"]
    assert "<script" not in relu["answer_html"]
    # Importing the same deck again creates nothing.
    again = _post(client, raw, "anki").json()
    assert again["created"] == [] and len(again["skipped"]) == 3
    assert _own_count(client) == 2
    # Own cards are studied like any card.
    assert (
        client.get("/api/study/next", params={"topic": "imported"}).json()["card"]["id"]
        in (body["created"])
    )


def _anki21b(notes: list[tuple[int, int, str, str]], cloze_ntid: int = 2) -> bytes:
    """A small collection in the current layout: schema-18 tables, zstd-compressed."""
    buffer = io.BytesIO()
    with sqlite3.connect(":memory:") as db:
        db.executescript(
            "CREATE TABLE notetypes (id INTEGER PRIMARY KEY, name TEXT, config BLOB);"
            "CREATE TABLE fields (ntid INTEGER, ord INTEGER, name TEXT, config BLOB);"
            "CREATE TABLE templates (ntid INTEGER, ord INTEGER, name TEXT, config BLOB);"
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, guid TEXT, mid INTEGER, mod INTEGER,"
            " usn INTEGER, tags TEXT, flds TEXT, sfld TEXT, csum INTEGER, flags INTEGER,"
            " data TEXT);"
        )
        db.execute(
            "INSERT INTO notetypes VALUES (1, 'Basic', x'00'), (?, 'Cloze', x'00')", (cloze_ntid,)
        )
        db.execute("INSERT INTO templates VALUES (1, 0, 'Card 1', ?)", (b"\x0a{{Front}}",))
        db.execute(
            "INSERT INTO templates VALUES (?, 0, 'Cloze', ?)", (cloze_ntid, b"\x0a{{cloze:Text}}")
        )
        for note_id, mid, flds, tags in notes:
            db.execute(
                "INSERT INTO notes VALUES (?, 'g', ?, 0, 0, ?, ?, '', 0, 0, '')",
                (note_id, mid, f" {tags} ", flds),
            )
        raw_db = db.serialize()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("collection.anki2", b"stub of the legacy layout")
        archive.writestr("collection.anki21b", zstandard.ZstdCompressor().compress(raw_db))
    return buffer.getvalue()


def test_the_current_anki21b_layout_is_read(client: TestClient) -> None:
    raw = _anki21b([
        (1700000000001, 1,
         "What does \\(\\beta_1\\) control in Adam?\x1fThe first moment's decay.", "adam"),
        (1700000000002, 2, "{{c1::Momentum}} smooths\x1f", ""),
    ])  # fmt: skip
    response = _post(client, raw, "anki", name="new.colpkg")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "created": ["anki-1700000000001"],
        "skipped": [{"source": "note type 'Cloze'", "reason": "1 note(s) of a type not imported"}],
        "columns": [],
        "reviews": 0,
    }
    card = client.get("/api/cards/anki-1700000000001").json()
    assert card["question"] == "What does $\\beta_1$ control in Adam?" and card["tags"] == ["adam"]


def test_csv_and_tsv_rows_become_cards_with_a_preview_page(client: TestClient) -> None:
    csv_text = (
        "question,answer,tags,topic,level\n"
        '"What is dropout?","Randomly zeroing activations, scaled by 1/(1-p).",'
        "reg,regularization-own,beginner\n"
        "What is weight decay?,An L2 penalty on the weights.,,,\n"
    )
    page = client.post("/import", files={"file": ("c.csv", csv_text.encode(), "text/csv")},
                       data={"format": "csv"})  # fmt: skip
    assert (
        page.status_code == 200
        and "What is dropout?" in page.text
        and "Import 2 cards" in page.text
    )
    assert _own_count(client) == 0
    upload = page.text.split('name="upload" value="')[1].split('"')[0]
    confirmed = client.post("/import/confirm", data={"upload": upload, "format": "csv"})
    assert confirmed.status_code == 303 and confirmed.headers["location"] == "/import?created=2"
    assert _own_count(client) == 2
    assert "Regularization own" in client.get("/").text
    tsv = b"question\tanswer\nWhat is a TSV?\tTab-separated values.\n"
    assert len(_post(client, tsv, "csv", name="t.tsv").json()["created"]) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("question,answer\nÉté,une saison\n".encode("latin-1"), "not UTF-8"),
        (b"question,answer\nWhat?,This,extra\n", "x.csv:2: row: 3 columns, the header has 2"),
        (b"front,back,colour\nWhat?,That,red\n", "x.csv:1: colour: unknown column"),
        (b"question,answer,level\nWhat?,That,expert\n", "level"),
    ],
)
def test_bad_csv_is_refused_with_a_clear_message(
    client: TestClient, data: bytes, message: str
) -> None:
    response = _post(client, data, "csv", name="x.csv")
    assert response.status_code == 422
    assert message in " ".join(response.json()["detail"])
    assert _own_count(client) == 0 and _files(client) == []


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_of_card_files_is_imported(client: TestClient) -> None:
    raw = _zip({
        "bank/topics.yaml": b"- {id: my-topic, title: My topic, description: Mine.}\n",
        "bank/my-topic/first-card.md": own_card_file("first-card", "my-topic", "First?"),
        "bank/basics/second-card.md": own_card_file("second-card", "basics", "Second?"),
    })  # fmt: skip
    response = _post(client, raw, "cards", name="cards.zip")
    assert response.status_code == 200, response.text
    assert sorted(response.json()["created"]) == ["first-card", "second-card"]
    assert "My topic" in client.get("/").text


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"../evil.md": b"x"}, "unsafe path"),
        ({"/abs/evil.md": b"x"}, "unsafe path"),
        ({"basics/a.md": own_card_file("same-id", "basics", "A?"),
          "maths/same-id.md": own_card_file("same-id", "maths", "B?")},
         "must equal the file name"),
        ({"basics/dup-one.md": own_card_file("dup-one", "basics", "A?"),
          "maths/dup-one.md": own_card_file("dup-one", "maths", "B?")},
         "duplicate id"),
        ({"basics/what-is-a-neuron.md": own_card_file("what-is-a-neuron", "basics", "A?")},
         "already taken"),
    ],
)  # fmt: skip
def test_bad_zips_are_refused_and_touch_nothing(
    client: TestClient, tmp_path: Path, members: dict[str, bytes], message: str
) -> None:
    response = _post(client, _zip(members), "cards", name="cards.zip")
    assert response.status_code == 422, response.text
    assert message in " ".join(response.json()["detail"])
    assert _own_count(client) == 0 and _files(client) == []
    assert not (tmp_path / "evil.md").exists() and not Path("/abs/evil.md").exists()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(client: TestClient) -> None:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("basics/bomb.md", "w", force_zip64=True) as member,
    ):
        for _ in range(210):
            member.write(b"\0" * (1 << 20))
    raw = buffer.getvalue()
    assert len(raw) < 1_000_000
    response = _post(client, raw, "cards", name="bomb.zip")
    assert response.status_code == 422 and "unpacks to" in response.json()["detail"][0]
    assert _files(client) == []


def test_a_corrupt_collection_and_a_non_zip_are_refused(client: TestClient) -> None:
    corrupt = _zip({"collection.anki2": b"SQLite format 3\0" + b"\x13" * 4000})
    response = _post(client, corrupt, "anki")
    assert response.status_code == 422
    assert "not a readable Anki collection" in response.json()["detail"][0]
    not_zip = _post(client, b"plain text", "anki")
    assert not_zip.status_code == 422 and "not a zip" in not_zip.json()["detail"][0]
    bad_zstd = _zip({"collection.anki21b": b"not zstd"})
    assert "not zstd" in _post(client, bad_zstd, "anki").json()["detail"][0]
    assert _own_count(client) == 0


def test_a_file_over_the_size_limit_is_refused(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_routes, "MAX_UPLOAD_BYTES", 1000)
    response = _post(client, b"x" * 1001, "csv", name="big.csv")
    assert response.status_code == 413 and "larger than" in response.json()["detail"]


def test_html_to_markdown_converts_mathjax_and_drops_scripts() -> None:
    text, images = html_to_markdown(
        "<div>Loss \\(L = -\\log p\\)</div><script>steal()</script><i>x</i>&nbsp;&lt;tag&gt;"
        '<img src="a.png" onerror="x()"><img src="../../etc/passwd">'
    )
    assert text == "Loss $L = -\\log p$\n\n*x* <tag>![](/cards/media/a.png)"
    assert images == ["a.png"]


def test_the_cli_imports_a_folder_and_a_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from app.cli import cli

    monkeypatch.setenv("DLCARDS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("DLCARDS_CONTENT_DIR", str(FIXTURE_BANK))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["content", "load"]).exit_code == 0
    folder = tmp_path / "mine" / "basics"
    folder.mkdir(parents=True)
    (folder / "cli-card.md").write_bytes(own_card_file("cli-card", "basics", "From the CLI?"))
    dry = runner.invoke(cli, ["import", "cards", str(tmp_path / "mine"), "--dry-run"])
    assert dry.exit_code == 0 and "would create 1 card(s)" in dry.output
    done = runner.invoke(cli, ["import", "cards", str(tmp_path / "mine")])
    assert done.exit_code == 0 and "created 1 card(s)" in done.output
    assert "checking cards: 1/1" in done.output  # the progress (plain lines when not a tty)
    assert (tmp_path / "own-cards" / "basics" / "cli-card.md").is_file()
    again = runner.invoke(cli, ["import", "cards", str(tmp_path / "mine")])
    assert "created 0 card(s), skipped 1" in again.output
    (tmp_path / "bad.csv").write_bytes(b"question,answer\nA,B,C\n")
    refused = runner.invoke(cli, ["import", "csv", str(tmp_path / "bad.csv")])
    assert refused.exit_code == 1 and "bad.csv:2: row: 3 columns" in refused.output
