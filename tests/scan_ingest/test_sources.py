"""Sources: folder walking, safe ZIP extraction with limits, manifest CSV variants and bad rows."""

import zipfile
from datetime import date

import pytest

from scan_ingest.errors import IngestError
from scan_ingest.sources import ZipLimits, collect_sources
from scan_ingest.sources.manifest import parse_date, read_manifest
from scan_ingest.sources.zipsafe import unsafe_reason

LIMITS = ZipLimits()


def test_folder_is_walked_recursively_in_name_order_skipping_hidden_files(tmp_path):
    root = tmp_path / "in"
    (root / "b" / "c").mkdir(parents=True)
    for rel in ("z.pdf", "a.png", "b/x.tif", "b/c/y.jpg", ".DS_Store", "b/Thumbs.db"):
        (root / rel).write_bytes(b"x")
    plan = collect_sources(root, None, tmp_path / "area", LIMITS)
    assert [f.source for f in plan.files] == ["a.png", "z.pdf", "b/x.tif", "b/c/y.jpg"]


def test_single_file_source_is_named_by_its_file_name(tmp_path):
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4")
    plan = collect_sources(tmp_path / "scan.pdf", None, tmp_path / "area", LIMITS)
    assert [(f.source, f.path) for f in plan.files] == [("scan.pdf", tmp_path / "scan.pdf")]


def _zip(path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


@pytest.mark.parametrize("name", ["../evil.pdf", "a/../../evil.pdf", "/etc/evil.pdf", "C:/evil.pdf", "..\\evil.pdf"])
def test_unsafe_zip_member_names_are_refused(name):
    assert unsafe_reason(name) is not None


def test_zip_extracts_safe_members_into_the_area_and_refuses_unsafe_ones(tmp_path):
    archive = _zip(
        tmp_path / "in.zip",
        {"ok/a.pdf": b"%PDF-1.4 a", "../escape.pdf": b"%PDF x", "/abs.pdf": b"%PDF y", "b.png": b"\x89PNG"},
    )
    area = tmp_path / "area"
    plan = collect_sources(archive, None, area, LIMITS)
    assert sorted(f.source for f in plan.files) == ["b.png", "ok/a.pdf"]
    assert all(f.path.resolve().is_relative_to(area.resolve()) for f in plan.files)
    refused = dict(plan.errors)
    assert "'..'" in refused["../escape.pdf"] and "absoluter Pfad" in refused["/abs.pdf"]
    assert not (tmp_path / "escape.pdf").exists() and not list(tmp_path.glob("**/escape.pdf"))


def test_zip_symlink_member_is_refused(tmp_path):
    info = zipfile.ZipInfo("link.pdf")
    info.external_attr = 0o120777 << 16
    with zipfile.ZipFile(tmp_path / "l.zip", "w") as zf:
        zf.writestr(info, "/etc/passwd")
    plan = collect_sources(tmp_path / "l.zip", None, tmp_path / "area", LIMITS)
    assert plan.files == [] and "symbolischer Link" in plan.errors[0][1]


def test_zip_member_with_bomb_compression_ratio_is_refused(tmp_path):
    archive = _zip(tmp_path / "bomb.zip", {"bomb.tif": b"\0" * 5_000_000, "ok.pdf": b"%PDF-1.4 ok"})
    plan = collect_sources(archive, None, tmp_path / "area", LIMITS)
    assert [f.source for f in plan.files] == ["ok.pdf"]
    assert "Kompressionsverhältnis" in dict(plan.errors)["bomb.tif"]


def test_zip_with_too_many_members_is_refused_whole(tmp_path):
    archive = _zip(tmp_path / "many.zip", {f"{i}.pdf": b"%PDF" for i in range(5)})
    plan = collect_sources(archive, None, tmp_path / "area", ZipLimits(max_members=4))
    assert plan.files == [] and "5 Einträge, Grenze 4" in plan.errors[0][1]


def test_zip_total_unpacked_size_is_limited(tmp_path):
    archive = _zip(
        tmp_path / "big.zip",
        {"a.pdf": b"%PDF" + b"1" * 600, "b.pdf": b"%PDF" + b"2" * 600},
        compression=zipfile.ZIP_STORED,
    )
    plan = collect_sources(archive, None, tmp_path / "area", ZipLimits(max_total_bytes=1000))
    assert [f.source for f in plan.files] == ["a.pdf"]
    assert "größer als 1,000 Bytes" in dict(plan.errors)["b.pdf"]


def test_broken_zip_is_an_error_not_a_crash(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"PK\x03\x04 not really")
    plan = collect_sources(tmp_path / "x.zip", None, tmp_path / "area", LIMITS)
    assert plan.files == [] and plan.errors[0][0] == "x.zip" and "beschädigtes ZIP-Archiv" in plan.errors[0][1]


@pytest.mark.parametrize(
    "value,expected",
    [
        ("24.12.1998", date(1998, 12, 24)),
        ("1998-12-24", date(1998, 12, 24)),
        ("1.2.2001", date(2001, 2, 1)),
        ("", None),
    ],
)
def test_manifest_dates_german_or_iso(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["31.02.1998", "2001-02-30", "12/24/1998", "gestern"])
def test_impossible_or_unknown_dates_are_errors(value):
    with pytest.raises(ValueError):
        parse_date(value)


GERMAN = "Datei;Aktenzeichen;Titel;Organisationseinheit;Datum;Dokumentart\n"
ENGLISH = "FILE,aktenzeichen,Title,Department,Date,Document_Type\n"


@pytest.mark.parametrize(
    "encoding,header,sep", [("utf-8-sig", GERMAN, ";"), ("utf-8", ENGLISH, ","), ("cp1252", GERMAN, ";")]
)
def test_manifest_reads_excel_variants(tmp_path, encoding, header, sep):
    row = sep.join(["a.pdf", "63.10.02-1998/0042", "Bauantrag Müller", "Bauordnungsamt", "24.12.1998", "Antrag"])
    (tmp_path / "m.csv").write_bytes((header + row + "\n").encode(encoding))
    rows, bad = read_manifest(tmp_path / "m.csv")
    assert bad == []
    assert rows[0].file == "a.pdf" and rows[0].title == "Bauantrag Müller" and rows[0].date == date(1998, 12, 24)
    assert rows[0].aktenzeichen == "63.10.02-1998/0042" and rows[0].department == "Bauordnungsamt"
    assert rows[0].document_type == "Antrag" and rows[0].line == 2


def test_manifest_bad_rows_are_reported_with_line_numbers_and_the_rest_goes_on(tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "b.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "m.csv").write_text(
        GERMAN + "a.pdf;63.10.02-1998/1;A;;01.01.2000;\n"
        "fehlt.pdf;63.10.02-1998/2;B;;;\n"
        "b.pdf;kein Aktenzeichen;C;;;\n"
        "b.pdf;63.10.02-1998/3;D;;31.02.1998;\n",
        encoding="utf-8",
    )
    plan = collect_sources(tmp_path, tmp_path / "m.csv", tmp_path / "area", LIMITS)
    reasons = [r for _, r in plan.errors]
    assert any(r.startswith("Manifest Zeile 3:") and "nicht gefunden" in r for r in reasons)
    assert any(r.startswith("Manifest Zeile 4:") and "ungültiges Aktenzeichen" in r for r in reasons)
    assert any(r.startswith("Manifest Zeile 5:") and "unmögliches Datum" in r for r in reasons)
    assert [(f.source, f.row.line if f.row else None) for f in plan.files] == [("a.pdf", 2)]


def test_manifest_without_a_file_column_is_refused(tmp_path):
    (tmp_path / "m.csv").write_text("Aktenzeichen;Titel\n63-1/1;x\n", encoding="utf-8")
    with pytest.raises(IngestError, match="keine Spalte 'Datei' oder 'file'"):
        read_manifest(tmp_path / "m.csv")


def test_manifest_rows_of_a_zip_name_its_members(tmp_path):
    archive = _zip(tmp_path / "in.zip", {"akten/a.pdf": b"%PDF-1.4"})
    (tmp_path / "m.csv").write_text(
        "file;Aktenzeichen\nakten/a.pdf;63-1998/1\nakten/none.pdf;63-1998/2\n", encoding="utf-8"
    )
    plan = collect_sources(archive, tmp_path / "m.csv", tmp_path / "area", LIMITS)
    assert [(f.source, f.row.aktenzeichen) for f in plan.files] == [("akten/a.pdf", "63-1998/1")]
    assert plan.errors == [("akten/none.pdf", "Manifest Zeile 3: Datei 'akten/none.pdf' nicht gefunden")]
