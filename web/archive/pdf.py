"""The destruction protocol as PDF, drawn from the same machine-readable protocol as the HTML (run.protocol).

Pure Python with pikepdf (already a dependency of the ingest): A4 pages of text in the PDF standard fonts
Helvetica/Helvetica-Bold (WinAnsiEncoding covers German), wrapped by an estimate of the glyph widths. No HTML
renderer is needed at run time (no browser, no new package); the layout is plain, the content is complete: every
fact of the HTML protocol, every Akte and every object hash."""

import io
import textwrap

import pikepdf

from akten.models import DisposalRun

WIDTH, HEIGHT, MARGIN = 595, 842, 50  # A4 in points
OBJECT_KEYS = ("objects_deleted", "objects_shared", "objects_locked")
SUMMARY_LABELS = {
    "nicht_bewertet": "nicht bewertet",
    "loeschsperre": "wegen Löschsperre übersprungen",
    "import_ausstehend": "abgegeben, Import ausstehend",
    "import_fehlgeschlagen": "Import im Archiv fehlgeschlagen",
}
STATES = {"awaiting_import": "abgegeben, Importbestätigung des Archivs ausstehend", "executing": "in Durchführung"}


def _esc(text: str) -> bytes:
    data = text.encode("cp1252", "replace")
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _lines(p: dict, sha256: str) -> list[tuple[str, float, bool]]:
    """(text, size, bold) lines of the protocol, already wrapped."""
    out: list[tuple[str, float, bool]] = []

    def add(text, size=9.0, bold=False, indent=""):
        per_line = int((WIDTH - 2 * MARGIN) / (size * 0.52))
        for line in textwrap.wrap(str(text), per_line - len(indent), break_long_words=True) or [""]:
            out.append((indent + line, size, bold))

    d, e, s = p["decision"], p["execution"], p["summary"]
    add(p["title"], 14, True)
    add("")
    add(f"Aussonderung Nr. {p['run']}, ProzessID {p['prozess_id']}, fällig zum {p['as_of']}")
    add(f"Vorgeschlagen: {d['proposed_by']}, {d['proposed_at']}")
    add(f"Anbieteverzeichnis (0501): {d['offer']['file']}, {d['offer']['at']}")
    add(f"SHA-256 {d['offer']['sha256']}", 8, indent="  ")
    ev = d["evaluation"]
    add(f"Bewertung des Archivs (0502): {ev['file']}, eingelesen von {ev['imported_by']}, {ev['at']}")
    add(f"SHA-256 {ev['sha256']}", 8, indent="  ")
    add(f"Freigabe (Vier-Augen-Prinzip): {d['approved_by']}, {d['approved_at']}")
    add(f"Durchführung: {e['by']}, {e['started_at']} bis {e['done_at']}")
    transfers = p.get("transfers") or ([p["transfer"]] if p.get("transfer") else [])
    if not transfers:
        add("Abgabe (0503): keine")
    for t in transfers:
        number = f" Nr. {t['number']}" if "number" in t else ""
        extra = f", ProzessID {t['prozess_id']}, {t['akten']} Akten" if "prozess_id" in t else ""
        received = f", Empfang bestätigt (0507) {t['received_0507']}" if t.get("received_0507") else ""
        add(f"Abgabe (0503){number}: {t['file']}{extra}{received}")
        add(f"SHA-256 {t['sha256']}", 8, indent="  ")
    if p.get("state") and p["state"] != "done":
        add(f"Stand: {STATES.get(p['state'], p['state'])} – dieses Protokoll ist vorläufig.", 9, True)
    counts = ", ".join(f"{n} {SUMMARY_LABELS.get(k, k)}" for k, n in s.items() if k not in OBJECT_KEYS and k != "akten")
    add(
        f"Ergebnis: {s['akten']} Akten: {counts}. "
        f"Objekte: {s['objects_deleted']} gelöscht, {s['objects_shared']} weiter von anderen Dokumenten genutzt, "
        f"{s['objects_locked']} unter Aufbewahrungssperre des Speichers."
    )
    add(f"Prüfsumme dieses Protokolls: SHA-256 (JSON, kanonisch) {sha256}", 8)
    add("")
    add("Akten", 12, True)
    for a in p["akten"]:
        add("")
        add(f"{a['aktenzeichen']} – {a['title']}", 10, True)
        add(
            f"UUID {a['uuid']} · OE {a['department']} · z.d.A. {a['zda'] or '–'} · Aufbewahrung bis "
            f"{a['aufbewahrungsende'] or '–'} · Vorschlag {a['proposal']} / Bewertung {a['decision'] or '–'}"
        )
        add(f"Ergebnis: {a['outcome']} ({a['at'] or '–'}): {a['how']}")
        if a.get("archive_id"):
            add(f"Archivkennung: {a['archive_id']}")
        if a.get("import_error"):
            add(f"Fehlermeldung des Archivs: {a['import_error']}")
        if a["objects"]:
            add(f"{len(a['documents'])} Dokumente, {len(a['vorgaenge'])} Vorgänge. Objekte:")
            for o in a["objects"]:
                add(
                    f"{o['role']} v{o['version']} von Dokument {o['document']}: SHA-256 {o['sha256']}, "
                    f"{o['size']} Bytes – {o['result']}",
                    7.5,
                    indent="  ",
                )
    return out


def protocol_pdf(run: DisposalRun) -> bytes:
    """The PDF of a finished run's protocol."""
    lines = _lines(run.protocol, run.protocol_sha256)
    pdf = pikepdf.new()
    fonts = pikepdf.Dictionary(
        F1=pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type1,
                BaseFont=pikepdf.Name.Helvetica,
                Encoding=pikepdf.Name.WinAnsiEncoding,
            )
        ),
        F2=pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name("/Type1"),
                BaseFont=pikepdf.Name("/Helvetica-Bold"),
                Encoding=pikepdf.Name.WinAnsiEncoding,
            )
        ),
    )
    pages: list[list[bytes]] = [[]]
    y = HEIGHT - MARGIN
    for text, size, bold in lines:
        step = size * 1.35
        if y - step < MARGIN:
            pages.append([])
            y = HEIGHT - MARGIN
        y -= step
        font = b"/F2" if bold else b"/F1"
        pages[-1].append(b"BT %s %.1f Tf %d %.1f Td (%s) Tj ET" % (font, size, MARGIN, y, _esc(text)))
    total = len(pages)
    for number, ops in enumerate(pages, start=1):
        footer = f"Aussonderung {run.pk} · Vernichtungsprotokoll · Seite {number} von {total}"
        ops.append(b"BT /F1 7 Tf %d 25 Td (%s) Tj ET" % (MARGIN, _esc(footer)))
        page = pikepdf.Page(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=[0, 0, WIDTH, HEIGHT],
                Resources=pikepdf.Dictionary(Font=fonts),
                Contents=pdf.make_stream(b"\n".join(ops)),
            )
        )
        pdf.pages.append(page)
    pdf.docinfo["/Title"] = f"Vernichtungsprotokoll Aussonderung {run.pk} ({run.uuid})"
    pdf.docinfo["/Creator"] = "eAkte"
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()
