"""`import_aktenplan FILE.csv` reads the Aktenplan as Excel writes it (`;` or `,`, UTF-8 with/without BOM,
Windows-1252); a bad row's error names its line and reason, the good rows still import, the exit is non-zero."""

import json

import pytest

from akten.models import AktenplanUnit
from akten.retention import FristBeginn

pytestmark = pytest.mark.django_db

CP1252_SEMICOLON = (
    "Kennzeichen;Titel;Aufbewahrung;Aussonderungsart;Fristbeginn;Organisationseinheit\r\n"
    "32;Öffentliche Sicherheit und Ordnung;dauernd;A;;Ordnungsamt\r\n"
    "32.10;Gewerbeangelegenheiten;5;V;zdA;\r\n"
    "63;Bauordnung;10 Jahre;V;;63\r\n"
    "63.30;Abbruchgenehmigungen;10;b;Ereignis;\r\n"
    "63.30.01;Abbrüche mit Schadstoffsanierung;;;;\r\n"
)

UTF8_BOM_COMMA = (
    "Kennzeichen,Titel,Aufbewahrung,Aussonderungsart\n"
    '50,"Soziales, Jugend und Gesundheit",10,B\n'
    "50.10,Hilfe zum Lebensunterhalt – Einzelfälle,10,V\n"
)


def write(tmp_path, text, encoding="utf-8", name="aktenplan.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run_json(run_command, path):
    code, out, err = run_command("import_aktenplan", path, "--json")
    return code, json.loads(out) if out else None, err


def test_windows_1252_with_semicolons(org, tmp_path, run_command):
    code, result, err = run_json(run_command, write(tmp_path, CP1252_SEMICOLON, "cp1252"))
    assert code == 0, err
    assert result["imported"] == ["32", "63", "32.10", "63.30", "63.30.01"] and result["errors"] == []
    u32 = AktenplanUnit.objects.get(kennzeichen="32")
    assert u32.title == "Öffentliche Sicherheit und Ordnung"
    assert u32.retention_permanent and u32.retention_years is None and u32.department == org.d32
    assert AktenplanUnit.objects.get(kennzeichen="63").department == org.d63  # by code
    u6330 = AktenplanUnit.objects.get(kennzeichen="63.30")
    assert (u6330.retention_years, u6330.aussonderungsart, u6330.retention_start) == (10, "B", FristBeginn.EREIGNIS)
    leaf = AktenplanUnit.objects.get(kennzeichen="63.30.01")
    assert leaf.title == "Abbrüche mit Schadstoffsanierung" and leaf.parent == u6330
    rule = leaf.effective_rule()
    assert (rule.years, rule.start, rule.aussonderungsart, rule.department_id) == (
        10,
        FristBeginn.EREIGNIS,
        "B",
        org.d63.pk,
    )


def test_utf8_with_bom_and_commas(db, tmp_path, run_command):
    code, result, _ = run_json(run_command, write(tmp_path, UTF8_BOM_COMMA, "utf-8-sig"))
    assert code == 0
    assert result["imported"] == ["50", "50.10"]
    assert AktenplanUnit.objects.get(kennzeichen="50").title == "Soziales, Jugend und Gesundheit"
    assert AktenplanUnit.objects.get(kennzeichen="50.10").title == "Hilfe zum Lebensunterhalt – Einzelfälle"


def test_utf8_without_bom(db, tmp_path, run_command):
    code, result, _ = run_json(run_command, write(tmp_path, UTF8_BOM_COMMA, "utf-8"))
    assert code == 0 and len(result["imported"]) == 2


def test_bad_rows_are_named_by_line_and_good_rows_still_import(org, tmp_path, run_command):
    text = (
        "Kennzeichen;Titel;Aufbewahrung;Aussonderungsart;Organisationseinheit\n"
        "63;Bauordnung;10;V;63\n"  # line 2 ok
        "63.10;Baugenehmigungen;zehn;A;\n"  # line 3 bad years
        "\n"  # line 4 blank, skipped
        "63.x;Unsinn;10;A;\n"  # line 5 bad Kennzeichen
        "63.20;Bauvoranfragen;10;Z;\n"  # line 6 bad Aussonderungsart
        "63.30;Abbruch;10;V;99\n"  # line 7 unknown department
        "63;Doppelt;10;V;\n"  # line 8 duplicate
        "63.40;;10;V;\n"  # line 9 no title
        "63.50;Zu viele;10;V;63;extra\n"  # line 10 too many fields
        "63.60;Werbeanlagen;6;V;Bauordnungsamt\n"  # line 11 ok, department by name
    )
    path = write(tmp_path, text)
    code, result, err = run_json(run_command, path)
    assert code == 1
    assert result["imported"] == ["63", "63.60"]
    lines = {e["line"]: e["reason"] for e in result["errors"]}
    assert sorted(lines) == [3, 5, 6, 7, 8, 9, 10]
    assert "Aufbewahrung 'zehn' must be a number of years or 'dauernd'" in lines[3]
    assert "ungültiges Kennzeichen '63.x'" in lines[5]
    assert "Aussonderungsart 'Z' must be A, B or V" in lines[6]
    assert "unknown Organisationseinheit '99'" in lines[7]
    assert "already on line 2" in lines[8]
    assert "Titel is empty" in lines[9]
    assert "fields" in lines[10]
    assert f"{path}:3: Aufbewahrung 'zehn'" in err and f"{path}:7: unknown Organisationseinheit" in err
    assert set(AktenplanUnit.objects.values_list("kennzeichen", flat=True)) == {"63", "63.60"}


def test_unknown_department_alone_fails_the_import(db, tmp_path, run_command):
    text = "Kennzeichen;Titel;Aufbewahrung;Aussonderungsart;Organisationseinheit\n10;Hauptamt;10;B;Hauptamt\n"
    code, _out, err = run_command("import_aktenplan", write(tmp_path, text))
    assert code == 1
    assert "aktenplan.csv:2: unknown Organisationseinheit 'Hauptamt'" in err
    assert not AktenplanUnit.objects.exists()


def test_rerun_reports_unchanged_and_updated(org, tmp_path, run_command):
    path = write(tmp_path, CP1252_SEMICOLON, "cp1252")
    run_command("import_aktenplan", path)
    code, result, _ = run_json(run_command, path)
    assert code == 0 and result["imported"] == [] and len(result["unchanged"]) == 5
    changed = write(
        tmp_path, CP1252_SEMICOLON.replace("32.10;Gewerbeangelegenheiten;5", "32.10;Gewerbe;6"), "cp1252", name="b.csv"
    )
    code, result, _ = run_json(run_command, changed)
    assert result["updated"] == ["32.10"]
    assert AktenplanUnit.objects.get(kennzeichen="32.10").retention_years == 6


def test_children_before_parents_in_the_file_still_link(db, tmp_path, run_command):
    text = "Kennzeichen;Titel;Aufbewahrung;Aussonderungsart\n1.2.3;C;;\n1.2;B;;\n1;A;7;V\n"
    assert run_command("import_aktenplan", write(tmp_path, text))[0] == 0
    c = AktenplanUnit.objects.get(kennzeichen="1.2.3")
    assert c.parent.kennzeichen == "1.2" and c.parent.parent.kennzeichen == "1"
    assert c.effective_rule().years == 7


def test_header_is_case_insensitive_and_english_names_work(db, tmp_path, run_command):
    text = "code;TITLE;retention;disposition;start\n7;Test;dauernd;a;letztes Dokument\n"
    assert run_command("import_aktenplan", write(tmp_path, text))[0] == 0
    unit = AktenplanUnit.objects.get(kennzeichen="7")
    assert unit.retention_permanent and unit.aussonderungsart == "A"
    assert unit.retention_start == FristBeginn.LETZTES_DOKUMENT


def test_missing_column_names_the_file_and_column(db, tmp_path, run_command):
    path = write(tmp_path, "Kennzeichen;Titel;Aufbewahrung\n1;A;5\n")
    code, _, err = run_command("import_aktenplan", path)
    assert code == 1
    assert str(path) in err and "missing column(s) Aussonderungsart" in err


def test_bad_fristbeginn_is_a_row_error(db, tmp_path, run_command):
    text = "Kennzeichen;Titel;Aufbewahrung;Aussonderungsart;Fristbeginn\n1;A;5;V;morgen\n"
    code, result, _ = run_json(run_command, write(tmp_path, text))
    assert code == 1 and "unknown Fristbeginn 'morgen'" in result["errors"][0]["reason"]


def test_missing_or_empty_file_is_a_clear_error(db, tmp_path, run_command):
    code, _, err = run_command("import_aktenplan", tmp_path / "nope.csv")
    assert code == 1 and "nope.csv: cannot read" in err
    code, _, err = run_command("import_aktenplan", write(tmp_path, ""))
    assert code == 1 and "empty file or missing header line" in err


def test_importer_module_works_without_the_command(org, tmp_path):
    """Workspaces and the API call akten.importers.aktenplan directly: a file without a required column raises
    ImportFileError; a bad row is kept with its line while the good rows import, parents first."""
    from akten.importers import aktenplan
    from dms.importers import ImportFileError

    with pytest.raises(ImportFileError, match="missing column"):
        aktenplan.read(write(tmp_path, "Kennzeichen;Titel\n1;A\n", name="short.csv"))
    text = "Kennzeichen;Titel;Aufbewahrung;Aussonderungsart\n7.1;Kind;5;V\n7;Eltern;5;V\n8;;5;V\n"
    plan = aktenplan.read(write(tmp_path, text))
    assert [u.kennzeichen for u in plan.units] == ["7", "7.1"]
    result = aktenplan.apply(plan)
    assert result["imported"] == ["7", "7.1"]
    assert result["errors"] == [{"line": 4, "kennzeichen": "8", "reason": "Titel is empty"}]
    assert AktenplanUnit.objects.get(kennzeichen="7.1").parent.kennzeichen == "7"
