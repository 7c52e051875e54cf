"""Content served to users: streamed, re-checked against its SHA-256 on the way, never sent altered; the web page
and the API send the same headers, a real file name and `Content-Security-Policy: sandbox`; single HTTP byte
ranges. One suite, run on the filesystem store and on moto's S3 server."""

import io
import os
from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from akten.content import ContentRefused
from akten.models import Document, DocumentVersion
from dms import storage as storage_module
from dms.models import AuditEvent
from dms.services import stored_object_put
from dms.storage import get_storage
from dms.storage.base import CHUNK
from tests import factories
from tests.dms.s3server import bucket_url, moto_s3  # noqa: F401  (session fixture)

pytestmark = pytest.mark.django_db

SMALL = b"%PDF-1.7\n" + b"Bauantrag Seite 1\n" * 50
LARGE = b"%PDF-1.7\n" + os.urandom(2 * CHUNK + 12345)  # three chunks


def make_document(akte, content: bytes, title="Bauantrag Müller/Öztürk", media_type="application/pdf"):
    obj = stored_object_put(data=content, media_type=media_type)
    doc = Document.objects.create(akte=akte, department=akte.lead_department, title=title)
    DocumentVersion.objects.create(document=doc, original=obj, rendition=obj)
    return doc


class DownloadTests:
    """Backend-agnostic: subclasses point the object store somewhere and know how to tamper with it."""

    @pytest.fixture
    def akte(self, org, aktenplan):
        return factories.akte("63.10.02-2020/0001", "Neubau Lindenstraße 4")

    def alter(self, key: str, data: bytes) -> None:
        raise NotImplementedError

    def remove(self, key: str) -> None:
        raise NotImplementedError

    @staticmethod
    def web(client, user, doc, **headers):
        client.force_login(user)
        return client.get(f"/akten/{doc.akte_id}/dokumente/{doc.pk}/inhalt/", headers=headers)

    @staticmethod
    def api(user, doc, **headers):
        client = APIClient()
        client.force_authenticate(user)
        return client.get(f"/api/documents/{doc.pk}/content/", headers=headers)

    def test_web_and_api_stream_the_same_bytes_with_the_same_headers(self, client, org, akte):
        doc = make_document(akte, LARGE)
        responses = [self.web(client, org.anna, doc), self.api(org.anna, doc)]
        names = (
            "Content-Type",
            "Content-Length",
            "Content-Disposition",
            "Content-Security-Policy",
            "ETag",
            "X-Content-Type-Options",
            "X-Content-SHA256",
            "Accept-Ranges",
            "Cache-Control",
        )
        web, api = ({name: r.headers.get(name) for name in names} for r in responses)
        assert web == api
        assert web["Content-Security-Policy"] == "sandbox" and web["Content-Length"] == str(len(LARGE))
        for response in responses:
            assert response.status_code == 200 and response.streaming
            chunks = list(response.streaming_content)
            assert len(chunks) == 3 and max(map(len, chunks)) <= CHUNK  # never the whole object at once
            assert b"".join(chunks) == LARGE
        assert AuditEvent.objects.filter(action="document.read", object_id=str(doc.pk)).count() == 2

    def test_file_name_is_aktenzeichen_and_title_safe_for_the_header(self, client, org, akte):
        doc = make_document(akte, SMALL, title='Bauantrag "Müller"/Öztürk\r\nX-Evil: 1 ../../etc')
        disposition = self.web(client, org.anna, doc)["Content-Disposition"]
        name = "63.10.02-2020-0001_Bauantrag_Müller-Öztürk_X-Evil_1_..-..-etc.pdf"
        assert disposition == f"inline; filename*=utf-8''{quote(name)}"
        assert "\n" not in disposition and '"' not in disposition

    def test_non_pdf_content_is_an_attachment(self, client, org, akte):
        doc = make_document(akte, b"<html><script>alert(1)</script>", title="Notiz", media_type="text/html")
        response = self.web(client, org.anna, doc)
        assert response["Content-Disposition"] == 'attachment; filename="63.10.02-2020-0001_Notiz.html"'
        assert response["Content-Security-Policy"] == "sandbox" and response["X-Content-Type-Options"] == "nosniff"

    @pytest.mark.parametrize(
        ("header", "status", "content_range", "body"),
        [
            ("bytes=2-5", 206, "bytes 2-5/{size}", lambda d: d[2:6]),
            ("bytes=-4", 206, "bytes {last4}-{end}/{size}", lambda d: d[-4:]),
            ("bytes=10-", 206, "bytes 10-{end}/{size}", lambda d: d[10:]),
            ("bytes=0-3,8-9", 200, None, lambda d: d),  # several ranges: the whole object (RFC 9110 allows)
            ("bytes=999999999-", 416, "bytes */{size}", lambda d: b""),
        ],
    )
    def test_single_byte_ranges(self, client, org, akte, header, status, content_range, body):
        doc = make_document(akte, LARGE)
        size = len(LARGE)
        for response in (self.web(client, org.anna, doc, Range=header), self.api(org.anna, doc, Range=header)):
            assert response.status_code == status
            if content_range:
                assert response["Content-Range"] == content_range.format(size=size, end=size - 1, last4=size - 4)
            got = response.getvalue()
            assert got == body(LARGE)
            if status != 416:
                assert response["Content-Length"] == str(len(got))

    def test_range_with_a_stale_if_range_gets_the_whole_object(self, client, org, akte):
        doc = make_document(akte, SMALL)
        response = self.api(org.anna, doc, Range="bytes=0-3", **{"If-Range": '"0000"'})
        assert response.status_code == 200 and response.getvalue() == SMALL
        etag = response["ETag"]
        assert self.api(org.anna, doc, Range="bytes=0-3", **{"If-Range": etag}).getvalue() == SMALL[:4]

    def test_altered_small_object_is_refused_logged_and_audited(self, client, org, akte, caplog):
        doc = make_document(akte, SMALL)
        key = doc.current_version.original.key
        self.alter(key, SMALL.replace(b"Seite 1", b"Seite 9"))  # same size, other bytes
        web = self.web(client, org.anna, doc)
        assert web.status_code == 500 and "Inhalt nicht verfügbar" in web.content.decode()
        assert "X-Content-SHA256" not in web and b"Seite 9" not in web.content
        api = self.api(org.anna, doc)
        assert api.status_code == 500 and "X-Content-SHA256" not in api and b"Seite" not in api.content
        refused = AuditEvent.objects.filter(action="document.read_refused", object_id=str(doc.pk))
        assert refused.count() == 2 and "altered" in refused.first().after["reason"]
        assert not AuditEvent.objects.filter(action="document.read", object_id=str(doc.pk)).exists()
        assert f"object {key}" in caplog.text and "altered" in caplog.text

    def test_missing_object_is_refused_and_audited(self, client, org, akte):
        doc = make_document(akte, SMALL)
        self.remove(doc.current_version.original.key)
        assert self.web(client, org.anna, doc).status_code == 500
        assert self.api(org.anna, doc).status_code == 500
        refused = AuditEvent.objects.filter(action="document.read_refused", object_id=str(doc.pk))
        assert [e.after["reason"] for e in refused] == ["is missing", "is missing"]

    @pytest.mark.parametrize(
        "altered",
        [
            LARGE[:-1] + bytes([LARGE[-1] ^ 1]),  # last byte flipped
            LARGE[:CHUNK] + b"x" + LARGE[CHUNK + 1 :],  # a byte in the middle
            LARGE[:-10],  # truncated
            LARGE + b"appended",
        ],
        ids=["last-byte", "middle-byte", "truncated", "appended"],
    )
    def test_altered_large_object_is_cut_off_before_its_end(self, client, org, akte, altered):
        """Headers are out before the end is read: the response stops short of its Content-Length, so the
        client never holds a complete body, and the refusal is audited."""
        doc = make_document(akte, LARGE)
        self.alter(doc.current_version.original.key, altered)
        response = self.api(org.anna, doc)
        received = []
        with pytest.raises(ContentRefused):
            for chunk in response.streaming_content:
                received.append(chunk)
        assert len(b"".join(received)) < int(response["Content-Length"])
        assert AuditEvent.objects.filter(action="document.read_refused", object_id=str(doc.pk)).count() == 1

    def test_altered_object_is_refused_for_a_range_too(self, client, org, akte):
        """A range of an object is served only from an object that still hashes right as a whole."""
        doc = make_document(akte, SMALL)
        self.alter(doc.current_version.original.key, SMALL[:-1] + b"!")
        assert self.api(org.anna, doc, Range="bytes=0-3").status_code == 500

    def test_in_process_read_is_checked_too(self, org, akte):
        from akten.content import document_content_read

        doc = make_document(akte, LARGE)
        assert document_content_read(document=doc, user=org.anna) == (doc.current_version.rendition, LARGE)
        self.alter(doc.current_version.original.key, LARGE[:-1] + b"!")
        with pytest.raises(ContentRefused, match="altered"):
            document_content_read(document=doc, user=org.anna)

    def test_other_departments_content_is_not_found(self, client, org, akte):
        doc = make_document(akte, SMALL)
        assert self.web(client, org.bernd, doc).status_code == 404
        assert self.api(org.bernd, doc).status_code == 404
        assert not AuditEvent.objects.filter(action__startswith="document.read", object_id=str(doc.pk)).exists()


class TestFilesystemDownloads(DownloadTests):
    def alter(self, key, data):
        path = get_storage().root / key
        os.chmod(path, 0o644)
        path.write_bytes(data)

    def remove(self, key):
        (get_storage().root / key).unlink()


class TestS3Downloads(DownloadTests):
    @pytest.fixture(autouse=True)
    def _s3(self, settings, moto_s3):
        settings.DMS_STORAGE_URL = bucket_url(moto_s3)
        storage_module._cached.cache_clear()
        yield
        storage_module._cached.cache_clear()

    def alter(self, key, data):
        store = get_storage()
        store.client.put_object(store.bucket, key, io.BytesIO(data), len(data))

    def remove(self, key):
        store = get_storage()
        store.client.remove_object(store.bucket, key)
