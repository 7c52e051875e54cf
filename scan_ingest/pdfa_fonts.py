"""PDF/A-2b 6.2.11.5: the glyph widths a font dictionary states must agree with the embedded font program, for
every glyph the page shows visibly (text render mode 3, invisible OCR text, is exempt). Checked with fontTools
for TrueType and OpenType programs (FontFile2, FontFile3/OpenType), simple and CID-keyed (Identity-H); a
visibly used font whose program cannot be read this way (Type 1, bare CFF) counts as not verifiable."""

from __future__ import annotations

import functools
import io

import pikepdf

WIDTH_TOLERANCE = 1.0  # in 1/1000 em, as veraPDF allows


def used_codes(owner, resources) -> dict[tuple[int, int], tuple[object, set[int]]]:
    """{font objgen: (font, codes shown visibly)} for one content stream (page or form XObject); a font used
    only for invisible text (render mode 3) has an empty set."""
    fonts = (resources or {}).get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
    used: dict[tuple[int, int], tuple[object, set[int]]] = {}
    current, mode, stack = None, 0, []
    for operands, operator in pikepdf.parse_content_stream(owner):
        op = str(operator)
        if op == "q":
            stack.append((current, mode))
        elif op == "Q" and stack:
            current, mode = stack.pop()
        elif op == "Tf" and operands and fonts is not None:
            current = fonts.get(str(operands[0]))
        elif op == "Tr" and operands:
            mode = int(operands[0])
        elif op in ("Tj", "'", '"', "TJ") and current is not None:
            key = current.objgen if current.is_indirect else (id(current), 0)
            entry = used.setdefault(key, (current, set()))
            if mode == 3:  # invisible (an OCR layer): used, but no glyph is drawn
                continue
            strings = operands[-1] if op == "TJ" else [operands[-1]]
            data = b"".join(bytes(s) for s in strings if isinstance(s, pikepdf.String))
            wide = current.get("/Subtype") == pikepdf.Name.Type0
            codes = {int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data) - 1, 2)} if wide else set(data)
            entry[1].update(codes)
    return used


@functools.lru_cache(maxsize=64)
def _program(data: bytes):
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data))
    return font["head"].unitsPerEm, font["hmtx"].metrics, font.getGlyphOrder(), font.getBestCmap() or {}, font


def _unicode_of(code: int, font) -> str | None:
    """The character a simple font's code stands for (its /Encoding with /Differences; WinAnsi by default)."""
    from fontTools import agl

    encoding = font.get("/Encoding")
    if isinstance(encoding, pikepdf.Dictionary):
        name, position = None, 0
        for item in encoding.get("/Differences") or []:
            if isinstance(item, pikepdf.Name):
                if position == code:
                    name = str(item).lstrip("/")
                position += 1
            else:
                position = int(item)
        if name:
            return agl.toUnicode(name) or None
        encoding = encoding.get("/BaseEncoding")
    codec = "mac_roman" if encoding == pikepdf.Name.MacRomanEncoding else "cp1252"
    try:
        return bytes([code]).decode(codec)
    except UnicodeDecodeError:
        return None


def _simple_widths(font, descriptor, program: bytes, codes: set[int]) -> list[str]:
    upem, metrics, order, cmap, tt = _program(program)
    first = int(font.get("/FirstChar", 0))
    widths = [float(w) for w in font.get("/Widths") or []]
    missing = float(descriptor.get("/MissingWidth", 0))
    symbolic = int(descriptor.get("/Flags", 0)) & 4
    raw_cmaps = {(t.platformID, t.platEncID): t.cmap for t in tt["cmap"].tables} if "cmap" in tt else {}
    problems = []
    for code in sorted(codes):
        glyph = None
        if symbolic or (3, 1) not in raw_cmaps:
            for table in ((3, 0), (1, 0)):
                glyph = glyph or raw_cmaps.get(table, {}).get(code) or raw_cmaps.get(table, {}).get(0xF000 + code)
        else:
            char = _unicode_of(code, font)
            glyph = cmap.get(ord(char)) if char else None
        glyph = glyph or order[0]
        stated = widths[code - first] if 0 <= code - first < len(widths) else missing
        actual = metrics[glyph][0] * 1000 / upem if glyph in metrics else 0
        if abs(stated - actual) > WIDTH_TOLERANCE:
            problems.append(f"code {code}: /Widths {stated:g}, font program {actual:g}")
    return problems


def _cid_widths(descendant, program: bytes, codes: set[int]) -> list[str]:
    upem, metrics, order, _cmap, _tt = _program(program)
    stated = {}
    entries, i = list(descendant.get("/W") or []), 0
    while i < len(entries):
        start = int(entries[i])
        if isinstance(entries[i + 1], pikepdf.Array):
            for k, w in enumerate(entries[i + 1]):
                stated[start + k] = float(w)
            i += 2
        else:
            for cid in range(start, int(entries[i + 1]) + 1):
                stated[cid] = float(entries[i + 2])
            i += 3
    default = float(descendant.get("/DW", 1000))
    mapping = descendant.get("/CIDToGIDMap")
    table = mapping.read_bytes() if isinstance(mapping, pikepdf.Stream) else None
    problems = []
    for cid in sorted(codes):
        gid = int.from_bytes(table[2 * cid : 2 * cid + 2], "big") if table is not None else cid
        glyph = order[gid] if gid < len(order) else order[0]
        actual = metrics[glyph][0] * 1000 / upem if glyph in metrics else 0
        if abs(stated.get(cid, default) - actual) > WIDTH_TOLERANCE:
            problems.append(f"CID {cid}: /W {stated.get(cid, default):g}, font program {actual:g}")
    return problems


def width_problems(font, codes: set[int]) -> list[str]:
    """What disagrees between the font dictionary's widths and its embedded program, for these codes."""
    if not codes or font.get("/Subtype") == pikepdf.Name.Type3:
        return []
    base = str(font.get("/BaseFont", "?")).lstrip("/")
    type0 = font.get("/Subtype") == pikepdf.Name.Type0
    target = font.DescendantFonts[0] if type0 and font.get("/DescendantFonts") else font
    descriptor = target.get("/FontDescriptor")
    if descriptor is None:
        return []  # not embedded: reported by the embedding check
    stream = descriptor.get("/FontFile2")
    if stream is None and "/FontFile3" in descriptor and descriptor.FontFile3.get("/Subtype") == pikepdf.Name.OpenType:
        stream = descriptor.FontFile3
    if stream is None:
        return [f"font {base}: glyph widths not verifiable (Type 1 or CFF program)"]
    try:
        found = (
            _cid_widths(target, stream.read_bytes(), codes)
            if type0
            else _simple_widths(font, descriptor, stream.read_bytes(), codes)
        )
    except Exception as exc:
        return [f"font {base}: font program unreadable ({type(exc).__name__})"]
    if found:
        more = f" and {len(found) - 3} more" if len(found) > 3 else ""
        return [f"font {base}: glyph widths differ from the font program ({'; '.join(found[:3])}{more})"]
    return []
