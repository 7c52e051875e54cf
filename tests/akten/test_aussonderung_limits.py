"""0502 import limits: the file and the ZIP member are bounded in size (a ZIP bomb is refused before it is
unpacked in full), and every error message stays short however large the input it quotes."""

import uuid
import zipfile

import pytest

from akten.aussonderung import DisposalError
from akten.aussonderung.services import run_evaluate
from akten.models import DisposalRun
from tests.akten.test_aussonderung_helpers import bewertung_0502
from tests.akten.test_aussonderung_workflow import _offer, two  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_a_file_over_the_limit_is_refused_naming_file_and_setting(two, org, tmp_path, settings):
    run = _offer(org, tmp_path)
    data = bewertung_0502(str(run.uuid), {two[0].uuid: "V"})
    settings.DMS_XDOMEA_MAX_BYTES = len(data) - 1
    path = tmp_path / "gross.0502.xml"
    path.write_bytes(data)
    with pytest.raises(
        DisposalError,
        match=rf"gross.0502.xml: die Datei hat {len(data)} Bytes, mehr als die "
        rf"{len(data) - 1} erlaubten .*DMS_XDOMEA_MAX_BYTES",
    ):
        run_evaluate(path=path, by=org.archiv)
    settings.DMS_XDOMEA_MAX_BYTES = len(data)
    run_evaluate(path=path, by=org.archiv)
    assert DisposalRun.objects.get(pk=run.pk).state == "evaluated"


def test_a_zip_member_that_unpacks_past_the_limit_is_refused(two, org, tmp_path, settings):
    """A 20 MB member (zeros after a valid start) compresses to a few KB; it is refused after reading limit+1
    bytes, not unpacked in full."""
    run = _offer(org, tmp_path)
    settings.DMS_XDOMEA_MAX_BYTES = 1024 * 1024
    path = tmp_path / "bombe.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x.0502.xml", bewertung_0502(str(run.uuid), {two[0].uuid: "V"}) + b" " * 20_000_000)
    assert path.stat().st_size < 100_000
    with pytest.raises(
        DisposalError,
        match=r"bombe.zip: das ZIP-Element 'x.0502.xml' entpackt zu mehr als den "
        r"1048576 erlaubten Bytes",
    ):
        run_evaluate(path=path, by=org.archiv)
    assert DisposalRun.objects.get(pk=run.pk).state == "offered"


def test_many_unknown_uuids_give_a_short_message(two, org, tmp_path):
    run = _offer(org, tmp_path)
    strangers = {uuid.uuid4(): "V" for _ in range(2000)}
    path = tmp_path / "fremde.0502.xml"
    path.write_bytes(bewertung_0502(str(run.uuid), {two[0].uuid: "V", **strangers}))
    with pytest.raises(DisposalError) as caught:
        run_evaluate(path=path, by=org.archiv)
    assert "(und 1995 weitere) ist keine in Aussonderung" in str(caught.value) and len(str(caught.value)) < 600


def test_a_schema_error_quoting_huge_input_stays_short(two, org, tmp_path):
    """lxml's schema message quotes the offending value (64,000 characters here); the error shows 200."""
    run = _offer(org, tmp_path)
    path = tmp_path / "kaputt.0502.xml"
    xml = bewertung_0502(str(run.uuid), {two[0].uuid: "V"})
    path.write_bytes(xml.replace(b"<code>V</code>", b"<code>" + b"Q" * 200_000 + b"</code>"))
    with pytest.raises(DisposalError) as caught:
        run_evaluate(path=path, by=org.archiv)
    message = str(caught.value)
    assert message.startswith(f"{path}: keine gültige xdomea-3.0.0-Nachricht: Zeile ") and len(message) < 1000
