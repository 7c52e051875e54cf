"""moto's S3 server on 127.0.0.1 (a free port), started once per test session: real HTTP, SigV4-signed requests.

Use the `s3_url` fixture (a fresh bucket per test) or `moto_endpoint()`; import the fixtures into a test module:
`from tests.dms.s3server import moto_s3, s3_url  # noqa: F401`.
"""

import atexit
import logging
import threading
import uuid

import pytest

_lock = threading.Lock()
_server = None


def moto_endpoint() -> str:
    """host:port of the one moto S3 server of this process, started on first use, stopped at exit."""
    global _server
    with _lock:
        if _server is None:
            from moto.server import ThreadedMotoServer

            logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log on stderr
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            atexit.register(server.stop)
            _server = server
    host, port = _server.get_host_and_port()
    return f"{host}:{port}"


def bucket_url(endpoint: str, options: str = "", *, bucket: str | None = None) -> str:
    """A storage URL for a fresh bucket (or the one named) on the server; options as a query string."""
    bucket = bucket or f"t-{uuid.uuid4().hex[:24]}"
    query = "region=us-east-1" + (f"&{options}" if options else "")
    return f"s3://testing:testing-secret@{endpoint}/{bucket}?{query}"


@pytest.fixture(scope="session")
def moto_s3() -> str:
    return moto_endpoint()


@pytest.fixture
def s3_url(moto_s3) -> str:
    return bucket_url(moto_s3)
