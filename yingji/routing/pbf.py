"""A structural check of an OpenStreetMap ``.osm.pbf`` file before it is imported.

The reader (pyrosm) answers a truncated or damaged file with errors that name
neither the file nor the problem, or with a partial network.  A PBF file is a
sequence of blocks — a 4-byte big-endian length, a ``BlobHeader`` message and
a ``Blob`` of the size the header gives, whose data is zlib-compressed — and
:func:`check_pbf` walks all of them: it refuses a file that is not PBF, ends
inside a block, or holds a block whose data does not decompress to the size it
declares, with a message saying which and where.

Only the few protobuf fields needed are decoded (``fileformat.proto`` of the
OSM PBF format: BlobHeader ``type``=1, ``datasize``=3; Blob ``raw``=1,
``raw_size``=2, ``zlib_data``=3, and the other compressions 4–7).
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass

#: Limits set by the format's specification.
MAX_HEADER_BYTES = 64 * 1024
MAX_BLOB_BYTES = 32 * 1024 * 1024


class PbfError(ValueError):
    """The file is not a readable OpenStreetMap PBF file; the message says why and where."""


@dataclass(frozen=True)
class PbfSummary:
    blocks: int
    data_blocks: int
    bytes: int


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise PbfError("a protobuf number runs past its message")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def _fields(buf: bytes) -> dict[int, bytes | int]:
    """The top-level fields of a protobuf message (last occurrence wins)."""
    out: dict[int, bytes | int] = {}
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            out[number], pos = _varint(buf, pos)
        elif wire == 2:
            size, pos = _varint(buf, pos)
            if pos + size > len(buf):
                raise PbfError("a protobuf field runs past its message")
            out[number] = buf[pos:pos + size]
            pos += size
        elif wire == 5:
            out[number] = buf[pos:pos + 4]
            pos += 4
        elif wire == 1:
            out[number] = buf[pos:pos + 8]
            pos += 8
        else:
            raise PbfError(f"unknown protobuf wire type {wire}")
    return out


def check_pbf(path: str | os.PathLike[str]) -> PbfSummary:
    """Walk every block of the file; raise :class:`PbfError` saying what is wrong and at which byte."""
    name = os.fspath(path)
    size = os.path.getsize(name)
    if size == 0:
        raise PbfError(f"{name}: the file is empty")
    blocks = data_blocks = 0
    with open(name, "rb") as fh:
        offset = 0
        while offset < size:
            head = fh.read(4)
            if len(head) < 4:
                raise PbfError(f"{name}: the file ends inside a block header at byte {offset} (truncated)")
            header_len = int.from_bytes(head, "big")
            if header_len == 0 or header_len > MAX_HEADER_BYTES:
                raise PbfError(f"{name}: not an OpenStreetMap PBF file (bad block header at byte {offset})")
            raw_header = fh.read(header_len)
            if len(raw_header) < header_len:
                raise PbfError(f"{name}: the file ends inside a block header at byte {offset} (truncated)")
            try:
                header = _fields(raw_header)
            except PbfError as exc:
                raise PbfError(f"{name}: not an OpenStreetMap PBF file ({exc} at byte {offset})") from exc
            kind = header.get(1)
            datasize = header.get(3)
            if not isinstance(kind, bytes) or not isinstance(datasize, int) or datasize > MAX_BLOB_BYTES:
                raise PbfError(f"{name}: not an OpenStreetMap PBF file (bad block header at byte {offset})")
            if blocks == 0 and kind != b"OSMHeader":
                raise PbfError(f"{name}: not an OpenStreetMap PBF file (it does not start with an OSMHeader block)")
            blob = fh.read(datasize)
            if len(blob) < datasize:
                raise PbfError(f"{name}: the file ends inside the block at byte {offset} "
                               f"({len(blob)} of its {datasize} bytes are there; truncated)")
            _check_blob(name, blob, offset)
            blocks += 1
            data_blocks += kind == b"OSMData"
            offset += 4 + header_len + datasize
    if data_blocks == 0:
        raise PbfError(f"{name}: the file holds no map data (a header only)")
    return PbfSummary(blocks, data_blocks, size)


def _check_blob(name: str, blob: bytes, offset: int) -> None:
    try:
        fields = _fields(blob)
    except PbfError as exc:
        raise PbfError(f"{name}: the block at byte {offset} is damaged ({exc})") from exc
    raw, raw_size, packed = fields.get(1), fields.get(2), fields.get(3)
    if isinstance(raw, bytes):
        return
    if isinstance(packed, bytes) and isinstance(raw_size, int):
        try:
            data = zlib.decompress(packed)
        except zlib.error as exc:
            raise PbfError(f"{name}: the block at byte {offset} is damaged (its data does not decompress)") from exc
        if len(data) != raw_size:
            raise PbfError(f"{name}: the block at byte {offset} is damaged "
                           f"({len(data)} bytes decompressed, {raw_size} declared)")
        return
    if any(isinstance(fields.get(n), bytes) for n in (4, 5, 6, 7)):
        return  # lzma, bzip2, lz4 or zstd: left to the reader
    raise PbfError(f"{name}: the block at byte {offset} is damaged (no data in it)")
