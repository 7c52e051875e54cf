"""Small PDFs with a real text layer (Helvetica, WinAnsi) at known positions, for the viewer tests."""

import io

import pikepdf
from pikepdf import Dictionary, Name

A4 = (595, 842)


def _escape(text: str) -> bytes:
    return text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(pages: list[list[tuple[float, float, str]]], *, size=A4, rotate: int = 0) -> bytes:
    """One page per list of `(x, y, text)` lines (PDF points from the bottom left, 14 pt)."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica, Encoding=Name.WinAnsiEncoding)
    )
    for lines in pages:
        ops = b"BT /F1 14 Tf " + b"".join(b"1 0 0 1 %d %d Tm (%s) Tj " % (x, y, _escape(t)) for x, y, t in lines)
        ops += b"ET"
        page = Dictionary(
            Type=Name.Page,
            MediaBox=[0, 0, *size],
            Resources=Dictionary(Font=Dictionary(F1=font)),
            Contents=pdf.make_stream(ops),
        )
        if rotate:
            page.Rotate = rotate
        pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
