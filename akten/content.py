"""Serving stored content without ever passing on altered bytes: the object is streamed from the store, its
SHA-256 and size are re-checked on the way, and the last chunk is held back until the whole object has
been checked. A missing object is refused before anything is sent; an altered one is refused when it fits in
one chunk and otherwise cut off before its end (the client sees a short body). Both are logged and audited."""

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from dms.audit import audit_record
from dms.models import StoredObject
from dms.storage import ObjectMissing, StorageError, get_storage
from dms.storage.base import CHUNK

from .models import Document
from .selectors import document_get_for

logger = logging.getLogger(__name__)


class ContentRefused(Exception):
    """The stored object is missing, unreadable or does not hash to its recorded SHA-256."""

    def __init__(self, document: Document, obj: StoredObject, reason: str):
        super().__init__(f"document {document.pk}: object {obj.key} {reason}")
        self.document, self.obj, self.reason = document, obj, reason


@dataclass(frozen=True)
class ByteRange:
    """Bytes first..last (inclusive) of an object, as asked by an HTTP Range header."""

    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1


@dataclass
class ContentStream:
    """An opened, checked-as-it-goes content read: iterate `chunks` for the bytes of `part` (None = all)."""

    document: Document
    obj: StoredObject
    which: str
    part: ByteRange | None
    chunks: Iterator[bytes]

    @property
    def length(self) -> int:
        return self.part.length if self.part else self.obj.size


def _refuse(*, document, obj, user, which, reason) -> ContentRefused:
    """Log and audit a refused read; the caller raises what this returns."""
    logger.error("content refused: document %s, object %s (sha256 %s): %s", document.pk, obj.key, obj.sha256, reason)
    audit_record(
        actor=user,
        action="document.read_refused",
        obj=document,
        after={"object": obj.sha256, "which": which, "reason": reason},
    )
    return ContentRefused(document, obj, reason)


def document_content_open(
    *, document: Document, user, which: str = "rendition", part: ByteRange | None = None
) -> ContentStream:
    """Open a document's content (rendition, or the original where there is none) for `user` after the
    permission check; the read is audited. Raises Document.DoesNotExist (not allowed) or ContentRefused."""
    document_get_for(user=user, pk=document.pk)  # raises Document.DoesNotExist when not allowed
    version = document.current_version
    obj = getattr(version, which) or version.original
    try:
        stream = get_storage().open(obj.key)
    except ObjectMissing:
        raise _refuse(document=document, obj=obj, user=user, which=which, reason="is missing") from None
    except StorageError as exc:
        raise _refuse(document=document, obj=obj, user=user, which=which, reason=f"cannot be read: {exc}") from None
    chunks = _checked_chunks(stream, obj, part)
    try:
        first = next(chunks)  # an object of one chunk is checked in full before any header goes out
    except _Mismatch as exc:
        raise _refuse(document=document, obj=obj, user=user, which=which, reason=str(exc)) from None
    audit_record(
        actor=user,
        action="document.read",
        obj=document,
        after={"object": obj.sha256, "which": which} | ({"range": f"{part.first}-{part.last}"} if part else {}),
    )
    return ContentStream(
        document, obj, which, part, _reporting(first, chunks, document=document, obj=obj, user=user, which=which)
    )


class _Mismatch(Exception):
    pass


def _checked_chunks(stream, obj: StoredObject, part: ByteRange | None) -> Iterator[bytes]:
    """The bytes of `part` (or all) in chunks; the whole object is read and hashed, and the final chunk is only
    yielded once the SHA-256 and size match the record (raises _Mismatch otherwise). Yields at least once."""
    first, last = (part.first, part.last) if part else (0, obj.size - 1)
    digest, position, pending = hashlib.sha256(), 0, None
    try:
        while True:
            data = stream.read(CHUNK)
            if not data:
                break
            digest.update(data)
            start, position = position, position + len(data)
            if position > obj.size:
                raise _Mismatch(f"is longer than its recorded {obj.size} bytes (altered)")
            wanted = data[max(first - start, 0) : max(last + 1 - start, 0)]
            if wanted:
                if pending is not None:
                    yield pending
                pending = wanted
        if position != obj.size:
            raise _Mismatch(f"has {position} bytes, not its recorded {obj.size} (altered)")
        if digest.hexdigest() != obj.sha256:
            raise _Mismatch(f"hashes to {digest.hexdigest()}, not its recorded sha256 (altered)")
        yield pending if pending is not None else b""
    finally:
        stream.close()


def _reporting(first: bytes, rest: Iterator[bytes], *, document, obj, user, which) -> Iterator[bytes]:
    """Pass the chunks on; a mismatch found after the headers went out is logged, audited and re-raised, which
    ends the response before its announced length (the server closes the connection)."""
    try:
        yield first
        yield from rest
    except _Mismatch as exc:
        raise _refuse(document=document, obj=obj, user=user, which=which, reason=str(exc)) from None
    finally:
        rest.close()  # a client that went away: the store's stream is closed at once


def document_content_read(*, document: Document, user, which: str = "rendition") -> tuple[StoredObject, bytes]:
    """Read a document's content (rendition or original) whole, for callers in this process; permission-checked,
    audited and hash-checked like a download (raises ContentRefused for missing or altered content)."""
    content = document_content_open(document=document, user=user, which=which)
    return content.obj, b"".join(content.chunks)
