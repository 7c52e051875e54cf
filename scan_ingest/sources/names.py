"""File names as they may arrive from old file servers and scanners: not valid UTF-8, or with control
characters (newline, ESC). Such a name is that file's error, shown escaped so a report or terminal shows it
as it is and cannot be garbled or steered by it."""

from __future__ import annotations

import unicodedata


def escaped(name: str) -> str:
    """The name printable: undecodable bytes (surrogate escapes from os.fsdecode) as \\xNN, control and
    format characters as \\n, \\x1b, \\u200e; a backslash doubled so the escapes stay unambiguous."""
    out = []
    for ch in name:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (PEP 383 surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch == "\\":
            out.append("\\\\")
        elif unicodedata.category(ch)[0] == "C":
            out.append(repr(ch)[1:-1])
        else:
            out.append(ch)
    return "".join(out)


def name_problem(name: str) -> str | None:
    """Why a (relative) file name cannot be ingested as it is, or None."""
    if any(0xDC80 <= ord(ch) <= 0xDCFF for ch in name):
        return "Der Dateiname ist kein gültiges UTF-8; bitte die Datei umbenennen"
    controls = sorted({ch for ch in name if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")})
    if controls:
        shown = ", ".join(repr(ch)[1:-1] for ch in controls)
        return f"Der Dateiname enthält Steuerzeichen ({shown}); bitte die Datei umbenennen"
    return None
