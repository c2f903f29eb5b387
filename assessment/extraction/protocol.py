"""The framed messages between the sandbox and its child: JSON headers, raw file bytes."""

from __future__ import annotations

import dataclasses
import json
import struct
from typing import Any, BinaryIO

from assessment.evidence import Segment
from assessment.extraction.limits import UploadLimits
from assessment.extraction.results import ExtractionResult

_LENGTH = struct.Struct(">Q")
READY = b'{"ready": true}'


class ProtocolError(Exception):
    """A message was cut short or malformed (the other side died or misbehaved)."""


@dataclasses.dataclass(frozen=True)
class Request:
    """One file to extract."""

    name: str
    kind: str
    limits: UploadLimits
    data: bytes


def frame(payload: bytes) -> bytes:
    """Length-prefixed payload."""
    return _LENGTH.pack(len(payload)) + payload


def encode_request(request: Request) -> bytes:
    """Bytes of a framed header and a framed file body."""
    header = {"name": request.name, "kind": request.kind,
              "limits": dataclasses.asdict(request.limits)}  # fmt: skip
    return frame(json.dumps(header).encode()) + frame(request.data)


def read_request(stream: BinaryIO) -> Request | None:
    """The next request, or None at a clean end of input; raises ProtocolError."""
    header = read_frame(stream, allow_eof=True)
    if header is None:
        return None
    fields = json.loads(header)
    data = read_frame(stream)
    assert data is not None
    return Request(fields["name"], fields["kind"], UploadLimits(**fields["limits"]), data)


def read_frame(stream: BinaryIO, allow_eof: bool = False) -> bytes | None:
    """One length-prefixed payload from a blocking stream."""
    prefix = stream.read(_LENGTH.size)
    if not prefix and allow_eof:
        return None
    if len(prefix) != _LENGTH.size:
        raise ProtocolError("message cut short")
    (length,) = _LENGTH.unpack(prefix)
    payload = stream.read(length)
    if len(payload) != length:
        raise ProtocolError("message cut short")
    return bytes(payload)


def encode_result(result: ExtractionResult, recycle: bool = False) -> bytes:
    """A result as a framed JSON message; ``recycle`` says the child is about to exit."""
    body: dict[str, Any] = {
        "status": result.status, "message": result.message, "kind": result.kind,
        "pages": result.pages, "recycle": recycle,
        "segments": [[s.text, s.source, s.locator, s.offset] for s in result.segments],
    }  # fmt: skip
    return frame(json.dumps(body).encode())


def decode_result(payload: bytes) -> tuple[ExtractionResult, bool]:
    """The inverse of encode_result (without the frame); raises ProtocolError."""
    try:
        body = json.loads(payload)
        segments = tuple(Segment(str(t), str(s), str(loc), int(o)) for t, s, loc, o in body["segments"])
        return ExtractionResult(
            str(body["status"]), str(body["message"]), str(body["kind"]), segments,
            int(body["pages"]),
        ), bool(body["recycle"])  # fmt: skip
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError(f"malformed result: {exc}") from exc


def unpack_length(prefix: bytes) -> int:
    """The payload length announced by a frame prefix."""
    (length,) = _LENGTH.unpack(prefix)
    return int(length)


PREFIX_SIZE = _LENGTH.size
