"""The one HTTP response for document content, used by the web page and the API alike: streamed (never the whole
object in memory), single HTTP byte ranges (PDF viewers fetch pages that way), a real file name
(`Aktenzeichen_Titel.pdf`, RFC 6266 `filename*` for umlauts), and headers that keep the content inert in the
browser (`Content-Security-Policy: sandbox`, `nosniff`; only PDFs are shown inline)."""

import mimetypes
import re

from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import get_valid_filename

from .content import ByteRange, document_content_open
from .models import Document

INLINE_TYPES = frozenset({"application/pdf"})
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
MAX_NAME = 150  # characters before the extension; file systems allow 255 bytes, umlauts take two


def content_filename(document: Document, media_type: str) -> str:
    """`Aktenzeichen_Titel.ext` with path separators, control characters and other unsafe characters removed."""
    extension = (
        {"image/tiff": ".tif", "text/plain": ".txt"}.get(media_type) or mimetypes.guess_extension(media_type) or ""
    )
    raw = f"{document.akte.aktenzeichen}_{document.title}".replace("/", "-").replace("\\", "-")
    try:
        stem = get_valid_filename(" ".join(raw.split()))[:MAX_NAME].strip("._")
    except SuspiciousFileOperation:
        stem = ""
    return f"{stem or f'dokument-{document.pk}'}{extension}"


def requested_range(header: str | None, size: int) -> ByteRange | bool | None:
    """The one byte range asked for; None to send everything (no header, several ranges, or a syntax this server
    ignores as RFC 9110 allows); False when the range lies outside the object (416)."""
    match = RANGE.match((header or "").strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        length = int(last)
        return ByteRange(max(size - length, 0), size - 1) if length and size else False
    first = int(first)
    last = min(int(last), size - 1) if last else size - 1
    if first >= size or last < first:
        return False
    return ByteRange(first, last)


def content_response(request, *, document: Document, which: str) -> HttpResponse:
    """Stream the document's content to `request.user` (permission-checked, audited, hash-checked)."""
    version = document.current_version
    obj = getattr(version, which) or version.original
    etag = f'"{obj.sha256}"'
    if_range = request.headers.get("If-Range")
    part = requested_range(request.headers.get("Range"), obj.size) if if_range in (None, etag) else None
    if part is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{obj.size}"
        return response
    content = document_content_open(document=document, user=request.user, which=which, part=part)
    response = StreamingHttpResponse(content.chunks, status=206 if part else 200, content_type=obj.media_type)
    response["Content-Length"] = str(content.length)
    if part:
        response["Content-Range"] = f"bytes {part.first}-{part.last}/{obj.size}"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["X-Content-SHA256"] = obj.sha256
    response["Content-Disposition"] = content_disposition_header(
        obj.media_type not in INLINE_TYPES, content_filename(document, obj.media_type)
    )
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
