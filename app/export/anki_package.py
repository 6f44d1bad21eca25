"""The layout of an Anki package: its version (``meta``) and its media files, in both layouts.

Packages written by Anki 2.1.50 and later hold a ``meta`` member, a protobuf
``PackageMetadata`` whose ``version`` 3 means: the collection is ``collection.anki21b``
(zstd), the ``media`` member is a zstd-compressed protobuf ``MediaEntries`` (name, size and
SHA-1 of each file; the file of entry *i* is the archive member ``i``) and every media file is
zstd-compressed too. Older packages have no ``meta``; their ``media`` member is JSON
(``{"0": "name.png"}``: archive member → file name) and the files are stored as they are.

A media file is read only when a card shows it, never decompressed past the size its entry
gives (nor past the import's Budget), and checked against that size and SHA-1.

The two protobuf messages are read by a small wire-format reader (varints and
length-delimited fields are all they use) rather than the protobuf runtime: no dependency
and no descriptor to build for two messages of four fields.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import zstandard

from app.export.card_import import MAX_MEMBERS, Budget, ImportRefused

LATEST = 3  # PackageMetadata.Version.VERSION_LATEST
COLLECTION_OF_VERSION = {
    1: "collection.anki2", 2: "collection.anki21", LATEST: "collection.anki21b",
}  # fmt: skip
VARINT, FIXED64, LENGTH_DELIMITED, FIXED32 = 0, 1, 2, 5
SHA1_BYTES = 20
MAX_MEDIA_LIST_BYTES = MAX_MEMBERS * 512  # a name, a size and a SHA-1 per file: far less
CHUNK = 1 << 20


def package_version(archive: zipfile.ZipFile, budget: Budget) -> int | None:
    """The ``meta`` member's version (1, 2 or 3), or None when there is none (older packages)."""
    if "meta" not in archive.namelist():
        return None
    version = 0
    for number, value in _fields(budget.read(archive, "meta"), "meta", "PackageMetadata"):
        if number == 1:
            version = _uint(value, "meta", "version")
    if version not in COLLECTION_OF_VERSION:
        raise ImportRefused([
            f"meta: package version {version} is not one this importer knows (1 to {LATEST});"
            " export the deck again from Anki"
        ])  # fmt: skip
    return version


def unzstd(data: bytes, limit: int, where: str) -> bytes:
    """zstd data decompressed, but at most ``limit`` + 1 bytes: the extra byte says "too big"."""
    out = bytearray()
    try:
        with zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True) as reader:
            while len(out) <= limit:
                chunk = reader.read(min(CHUNK, limit + 1 - len(out)))
                if not chunk:
                    break
                out += chunk
    except zstandard.ZstdError as error:
        raise ImportRefused([f"{where}: not zstd data ({error})"]) from None
    return bytes(out)


@dataclass(frozen=True)
class MediaEntry:
    """Where one media file is in the archive and, in the current layout, what it must be."""

    member: str
    size: int = 0  # the legacy layout lists neither size nor SHA-1
    sha1: bytes = b""


class Media:
    """The media files of a package by name; ``read`` unpacks and checks one a card shows."""

    def __init__(self, archive: zipfile.ZipFile, budget: Budget, *, latest: bool) -> None:
        self.archive = archive
        self.budget = budget
        self.compressed = latest
        self.members = set(archive.namelist())
        if "media" not in self.members:
            self.entries: dict[str, MediaEntry] = {}  # a package written without media
        elif latest:
            self.entries = _media_entries(budget.read(archive, "media"), budget)
        else:
            self.entries = _legacy_entries(budget.read(archive, "media"))

    def read(self, name: str) -> bytes | None:
        """The file's bytes; None if the package lists no file of that name."""
        entry = self.entries.get(name)
        if entry is None:
            return None
        if entry.member not in self.members:
            if not self.compressed:
                return None  # as the legacy import always did: the image is left out
            raise ImportRefused([f"media file {name!r}: archive member {entry.member!r} missing"])
        raw = self.budget.read(self.archive, entry.member)
        if not self.compressed:
            return raw
        data = unzstd(raw, min(entry.size, self.budget.left), f"media file {name!r}")
        if len(data) > entry.size:
            raise ImportRefused([f"media file {name!r}: larger than the {entry.size} bytes listed"])
        self.budget.take(len(data))
        if len(data) != entry.size:
            raise ImportRefused([
                f"media file {name!r}: {len(data)} bytes, the media list says {entry.size}"
            ])  # fmt: skip
        if hashlib.sha1(data).digest() != entry.sha1:
            raise ImportRefused([f"media file {name!r}: its SHA-1 differs from the media list's"])
        return data


def _legacy_entries(raw: bytes) -> dict[str, MediaEntry]:
    """JSON ``{"0": "name.png"}``; an unreadable one means no media (as before)."""
    try:
        mapping = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(mapping, dict):
        return {}
    return {str(name): MediaEntry(str(member)) for member, name in mapping.items()}


def _media_entries(raw: bytes, budget: Budget) -> dict[str, MediaEntry]:
    """``MediaEntries { repeated MediaEntry entries = 1; }``, zstd-compressed, by file name."""
    data = unzstd(raw, min(MAX_MEDIA_LIST_BYTES, budget.left), "media")
    if len(data) > MAX_MEDIA_LIST_BYTES:
        raise ImportRefused([f"media: the media list is over {MAX_MEDIA_LIST_BYTES} bytes"])
    budget.take(len(data))
    entries: dict[str, MediaEntry] = {}
    index = 0
    for number, value in _fields(data, "media", "MediaEntries"):
        if number != 1:
            continue
        if index == MAX_MEMBERS:
            raise ImportRefused([f"media: more than {MAX_MEMBERS} files listed"])
        if not isinstance(value, bytes):
            raise _corrupt("media", "MediaEntries", "an entry that is a number")
        name, entry = _media_entry(value, index)
        entries[name] = entry
        index += 1
    return entries


def _media_entry(data: bytes, index: int) -> tuple[str, MediaEntry]:
    """``MediaEntry { string name = 1; uint32 size = 2; bytes sha1 = 3;
    optional uint32 legacy_zip_filename = 255; }``; its file is member ``index`` unless
    ``legacy_zip_filename`` says otherwise (a field only Anki's first importer read)."""
    where = f"media entry {index}"
    name, size, sha1, member = b"", 0, b"", str(index)
    for number, value in _fields(data, where, "MediaEntry"):
        if number == 1:
            name = _bytes(value, where, "name")
        elif number == 2:
            size = _uint(value, where, "size")
        elif number == 3:
            sha1 = _bytes(value, where, "sha1")
        elif number == 255:
            member = str(_uint(value, where, "legacy_zip_filename"))
    try:
        text = name.decode()
    except UnicodeDecodeError:
        raise ImportRefused([f"{where}: name: not UTF-8"]) from None
    if not text or text in {".", ".."} or any(c in text for c in "/\\\0"):
        raise ImportRefused([f"{where}: name {text!r}: not a plain file name"])
    if len(sha1) != SHA1_BYTES:
        raise ImportRefused([f"{where} ({text!r}): sha1: {len(sha1)} bytes, not {SHA1_BYTES}"])
    return text, MediaEntry(member, size, sha1)


def _fields(data: bytes, where: str, message: str) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) of one protobuf message: an int for a varint, bytes for a
    length-delimited field; fixed-width fields (which neither message has) are skipped."""
    position = 0
    while position < len(data):
        key, position = _varint(data, position, where, message)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise _corrupt(where, message, "field number 0")
        if wire_type == VARINT:
            value, position = _varint(data, position, where, message)
            yield number, value
        elif wire_type == LENGTH_DELIMITED:
            length, position = _varint(data, position, where, message)
            if position + length > len(data):
                raise _corrupt(where, message, "a field runs past the end")
            yield number, data[position : position + length]
            position += length
        elif wire_type in (FIXED64, FIXED32):
            position += 8 if wire_type == FIXED64 else 4
            if position > len(data):
                raise _corrupt(where, message, "a field runs past the end")
        else:
            raise _corrupt(where, message, f"wire type {wire_type}")


def _varint(data: bytes, position: int, where: str, message: str) -> tuple[int, int]:
    """A base-128 varint (at most 10 bytes: 64 bits) and the position after it."""
    value = 0
    for shift in range(0, 70, 7):
        if position >= len(data):
            raise _corrupt(where, message, "a number runs past the end")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
    raise _corrupt(where, message, "a number longer than 10 bytes")


def _uint(value: int | bytes, where: str, field: str) -> int:
    if not isinstance(value, int) or value >= 2**32:
        raise ImportRefused([f"{where}: {field}: not a 32-bit unsigned number"])
    return value


def _bytes(value: int | bytes, where: str, field: str) -> bytes:
    if not isinstance(value, bytes):
        raise ImportRefused([f"{where}: {field}: a number where bytes belong"])
    return value


def _corrupt(where: str, message: str, problem: str) -> ImportRefused:
    return ImportRefused([f"{where}: not a valid {message} protobuf message ({problem})"])
