"""Media of Anki packages in the current layout (Anki 2.1.50+): a zstd-compressed protobuf
media list and zstd-compressed files, checked against the listed size and SHA-1.

``tests/fixtures/anki/anki-26.9-{latest,legacy}.apkg`` were written by Anki itself (the
``anki`` 26.9.3 package from PyPI: a collection with one Basic note whose back shows
``neuron.png``, exported with ``export_anki_package(..., legacy=False|True, with_media=True)``),
then re-zipped with deflate to shrink their stored collections; the members are Anki's bytes.
The other packages are built here, with the encoder below, which a test holds to Anki's bytes.
"""

from __future__ import annotations

import hashlib
import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
import zstandard
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.export.anki_package import _fields, _media_entry
from app.export.card_import import ImportRefused
from app.models import Card
from tests.export.test_card_import import PNG, _anki21b

FIXTURES = Path(__file__).parent.parent / "fixtures" / "anki"
REAL_PACKAGE = FIXTURES / "anki-26.9-latest.apkg"
REAL_NOTES = {
    "anki-26.9-latest.apkg": "anki-1796298569244",  # meta version 3: protobuf media list
    "anki-26.9-legacy.apkg": "anki-1796298946185",  # meta version 2: JSON media map
}
LATEST_META = b"\x08\x03"  # PackageMetadata { version: VERSION_LATEST }
NOTE = (1700000000001, 1, 'What does a neuron compute?\x1fA weighted sum. <img src="neuron.png">')
OTHER = b"GIF89a not shown by any card"


def _varint(number: int) -> bytes:
    out = bytearray()
    while number >= 0x80:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    return bytes([*out, number])


def _field(number: int, value: int | bytes) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def _entry(name: str, data: bytes, *, size: int | None = None, sha1: bytes | None = None) -> bytes:
    """One MediaEntry: name = 1, size = 2, sha1 = 3 (size and SHA-1 of ``data`` by default)."""
    size = len(data) if size is None else size
    return (
        _field(1, name.encode())
        + _field(2, size)
        + _field(3, hashlib.sha1(data).digest() if sha1 is None else sha1)
    )


def _media_list(*entries: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(b"".join(_field(1, e) for e in entries))


def _package(**changes: bytes | None) -> bytes:
    """A current-layout package whose card shows neuron.png (entry 1, member "1"; entry 0 is a
    file no card shows); ``changes`` replace members (None drops one)."""
    compress = zstandard.ZstdCompressor().compress
    with zipfile.ZipFile(io.BytesIO(_anki21b([(*NOTE, "")]))) as base:
        members: dict[str, bytes | None] = {name: base.read(name) for name in base.namelist()}
    members |= {
        "meta": LATEST_META,
        "media": _media_list(_entry("other.gif", OTHER), _entry("neuron.png", PNG)),
        "0": compress(OTHER),
        "1": compress(PNG),
    }
    members |= changes
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            if data is not None:
                archive.writestr(name, data)
    return buffer.getvalue()


def _post(client: TestClient, raw: bytes, dry: bool = False):
    return client.post(
        "/api/import",
        files={"file": ("deck.apkg", raw, "application/octet-stream")},
        data={"format": "anki", "dry_run": str(dry).lower()},
    )


def _state(client: TestClient, session: Session) -> tuple[int, list[str]]:
    """The number of card rows and the files under the own-cards folder."""
    session.rollback()  # a fresh read: the app wrote through its own sessions
    cards = session.scalar(select(func.count()).select_from(Card)) or 0
    root: Path = client.app.state.settings.own_cards_dir
    files = root.rglob("*") if root.exists() else []
    return cards, sorted(str(p.relative_to(root)) for p in files if p.is_file())


@pytest.mark.parametrize(("package", "note"), REAL_NOTES.items())
def test_a_package_written_by_anki_brings_its_image(
    client: TestClient, package: str, note: str
) -> None:
    response = _post(client, (FIXTURES / package).read_bytes())
    assert response.status_code == 200, response.text
    assert response.json()["created"] == [note]
    card = client.get(f"/api/cards/{note}").json()
    assert card["question"] == "What is a **neuron**?"
    assert '<img src="/cards/media/neuron.png"' in card["answer_html"]
    served = client.get("/cards/media/neuron.png")
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"


def test_the_encoder_of_these_tests_writes_the_media_list_as_anki_does() -> None:
    with zipfile.ZipFile(REAL_PACKAGE) as archive:
        anki_list = zstandard.ZstdDecompressor().stream_reader(archive.read("media")).read()
        assert archive.read("meta") == LATEST_META
    assert anki_list == _field(1, _entry("neuron.png", PNG))


def test_a_built_package_imports_its_image_and_a_dry_run_writes_nothing(
    client: TestClient, session: Session
) -> None:
    before = _state(client, session)
    preview = _post(client, _package(), dry=True)
    assert preview.status_code == 200, preview.text
    assert preview.json()["created"] == ["anki-1700000000001"]
    assert _state(client, session) == before
    assert client.get("/cards/media/neuron.png").status_code == 404
    done = _post(client, _package())
    assert done.status_code == 200 and done.json()["created"] == ["anki-1700000000001"]
    card = client.get("/api/cards/anki-1700000000001").json()
    assert card["answer"] == "A weighted sum. ![](/cards/media/neuron.png)"
    page = client.get("/cards/anki-1700000000001", params={"reveal": "true"})
    assert '<img src="/cards/media/neuron.png"' in page.text
    assert client.get("/cards/media/neuron.png").content == PNG
    cards, files = _state(client, session)
    assert cards == before[0] + 1
    media = [f for f in files if f.endswith((".png", ".gif"))]
    assert [Path(f).name for f in media] == ["neuron.png"]  # only what a card shows


def _bomb(size: int) -> bytes:
    """``size`` zero bytes, zstd-compressed as a stream (never held whole)."""
    buffer = io.BytesIO()
    with zstandard.ZstdCompressor(level=3).stream_writer(buffer, closefd=False) as writer:
        for _ in range(size >> 20):
            writer.write(bytes(1 << 20))
    return buffer.getvalue()


BAD_PACKAGES = {
    "meta is not protobuf": (dict(meta=b"\x08"), "meta: not a valid PackageMetadata protobuf"),
    "meta from a newer Anki": (dict(meta=b"\x08\x04"), "meta: package version 4"),
    "meta 3 but no anki21b": (dict(meta=b"\x08\x03", **{"collection.anki21b": None}),
                              "meta: package version 3, but no collection.anki21b inside"),
    "media list not zstd": (dict(media=_field(1, _entry("neuron.png", PNG))),
                            "media: not zstd data"),
    "media list not protobuf": (dict(media=zstandard.ZstdCompressor().compress(b"\x0a\xff")),
                                "media: not a valid MediaEntries protobuf message"),
    "media file not zstd": ({"1": PNG}, "media file 'neuron.png': not zstd data"),
    "media file missing": ({"1": None}, "media file 'neuron.png': archive member '1' missing"),
    "SHA-1 mismatch": (dict(media=_media_list(_entry("other.gif", OTHER),
                                              _entry("neuron.png", PNG, sha1=b"\1" * 20))),
                       "media file 'neuron.png': its SHA-1 differs from the media list's"),
    "shorter than listed": (dict(media=_media_list(_entry("other.gif", OTHER),
                                                   _entry("neuron.png", PNG, size=len(PNG) + 1))),
                            f"media file 'neuron.png': {len(PNG)} bytes, the media list says"),
    "a name with ../": (dict(media=_media_list(_entry("../evil.png", PNG),
                                               _entry("neuron.png", PNG))),
                        "media entry 0: name '../evil.png': not a plain file name"),
    "a name with a folder": (dict(media=_media_list(_entry("a/b.png", PNG))),
                             "media entry 0: name 'a/b.png': not a plain file name"),
    "a short SHA-1": (dict(media=_media_list(_entry("neuron.png", PNG, sha1=b"\1" * 19))),
                      "media entry 0 ('neuron.png'): sha1: 19 bytes, not 20"),
}  # fmt: skip


@pytest.mark.parametrize(("changes", "message"), BAD_PACKAGES.values(), ids=BAD_PACKAGES.keys())
def test_a_bad_package_is_refused_and_nothing_is_written(
    client: TestClient, session: Session, changes: dict[str, bytes | None], message: str
) -> None:
    before = _state(client, session)
    for dry in (True, False):
        response = _post(client, _package(**changes), dry=dry)
        assert response.status_code == 422, response.text
        assert message in " ".join(response.json()["detail"])
    assert _state(client, session) == before
    assert client.get("/cards/media/neuron.png").status_code == 404


def test_a_file_that_unpacks_past_its_listed_size_is_stopped_there(
    client: TestClient, session: Session
) -> None:
    """256 MiB of zeros listed as a 67-byte PNG: refused after reading 68 bytes of it."""
    bomb = _bomb(256 << 20)
    assert len(bomb) < 100_000
    raw = _package(**{"1": bomb})
    before = _state(client, session)
    tracemalloc.start()
    try:
        response = _post(client, raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 422
    assert response.json()["detail"] == [
        f"media file 'neuron.png': larger than the {len(PNG)} bytes listed"
    ]
    assert peak < 64 << 20  # far below the 256 MiB it would take unpacked
    assert _state(client, session) == before


def test_the_wire_reader_reads_hand_encoded_bytes() -> None:
    sha1 = bytes(range(20))
    # name = 1 ("a.png"), size = 2 (300 as the varint ac 02), sha1 = 3, a fixed32 field 4 that
    # a newer Anki might add (skipped), legacy_zip_filename = 255 (key 2040: f8 0f) = 7.
    data = b"\x0a\x05a.png" + b"\x10\xac\x02" + b"\x1a\x14" + sha1 + b"\x25abcd" + b"\xf8\x0f\x07"
    assert list(_fields(data, "t", "MediaEntry")) == [
        (1, b"a.png"), (2, 300), (3, sha1), (255, 7),
    ]  # fmt: skip
    name, entry = _media_entry(data, 0)
    assert (name, entry.member, entry.size, entry.sha1) == ("a.png", "7", 300, sha1)
    for broken, problem in [
        (b"\x10", "a number runs past the end"),
        (b"\x0a\x05abc", "a field runs past the end"),
        (b"\x10" + b"\xff" * 10 + b"\x01", "a number longer than 10 bytes"),
        (b"\x0b", "wire type 3"),
        (b"\x00\x00", "field number 0"),
    ]:
        with pytest.raises(ImportRefused, match=problem):
            list(_fields(broken, "t", "MediaEntry"))
    with pytest.raises(ImportRefused, match="size: not a 32-bit unsigned number"):
        _media_entry(b"\x10" + _varint(2**32), 0)
    with pytest.raises(ImportRefused, match="name: a number where bytes belong"):
        _media_entry(b"\x08\x01", 0)
