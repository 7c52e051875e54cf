"""Separator sheets of batch scans: a page whose QR or Code 128 payload starts with `DMS:` (docs/architecture.md,
"Separator sheets")."""

from __future__ import annotations

import zxingcpp

from ..errors import IngestError
from .page import PageState

PREFIX = "DMS:"
FORMATS = (zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128)  # restricted: ~15 ms per page
# read on the 150 dpi preview: a separator code printed at >= 2 cm still has >= 3 px per module


def parse_separator(payload: str) -> tuple[str, str]:
    """`DMS:AKTE:<Aktenzeichen>` -> ("akte", az); `DMS:DOK[:<title>]` -> ("dok", title or "")."""
    rest = payload[len(PREFIX) :]
    kind, _, value = rest.partition(":")
    if kind == "AKTE" and value.strip():
        return "akte", value.strip()
    if kind == "DOK":
        return "dok", value.strip()
    raise IngestError(
        f"Trennblatt mit unbekanntem Inhalt {payload!r} (erwartet: DMS:AKTE:<Aktenzeichen> oder DMS:DOK[:<Titel>])"
    )


def detect_separator(page: PageState) -> PageState:
    """Stage: a page carrying a `DMS:` barcode is a separator sheet; it is not stored and needs no OCR."""
    for barcode in zxingcpp.read_barcodes(page.preview, formats=FORMATS, try_downscale=False):
        if barcode.valid and barcode.text.startswith(PREFIX):
            return page.replace(separator=barcode.text.strip())
    return page
