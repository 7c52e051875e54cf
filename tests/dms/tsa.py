"""A local RFC 3161 time-stamping authority for tests: OpenSSL's own TSA (`openssl ts -reply`) behind a small
HTTP server on 127.0.0.1, with a root CA and a TSA certificate (critical EKU timeStamping) made here.
Use the `tsa` fixture: it yields (url, roots_pem_path, other_roots_pem_path)."""

import datetime
import http.server
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
other_policies = 1.3.6.1.4.1.99999.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca(directory: Path, common_name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_tsa_files(directory: Path) -> None:
    ca_key, ca_cert = _ca(directory, "Test-Wurzel-CA")
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Test-Zeitstempeldienst"))
        .issuer_name(ca_cert.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (directory / "ca.crt").write_bytes(ca_cert.public_bytes(pem))
    (directory / "tsa.crt").write_bytes(tsa_cert.public_bytes(pem))
    (directory / "tsa.key").write_bytes(
        tsa_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (directory / "other-ca.crt").write_bytes(_ca(directory, "Fremde-CA")[1].public_bytes(pem))
    (directory / "serial").write_text("01\n")
    (directory / "tsa.cnf").write_text(CONFIG.format(dir=directory))


class _Handler(http.server.BaseHTTPRequestHandler):
    directory: Path

    def do_POST(self):
        query = self.rfile.read(int(self.headers["Content-Length"]))
        with tempfile.TemporaryDirectory() as tmp:
            request, reply = Path(tmp) / "q.tsq", Path(tmp) / "r.tsr"
            request.write_bytes(query)
            done = subprocess.run(
                [
                    "openssl",
                    "ts",
                    "-reply",
                    "-config",
                    str(self.directory / "tsa.cnf"),
                    "-queryfile",
                    str(request),
                    "-out",
                    str(reply),
                ],
                capture_output=True,
                timeout=30,
            )
            if done.returncode != 0:
                self.send_error(500, done.stderr.decode(errors="replace")[:200])
                return
            body = reply.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def tsa(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command (the local TSA) is not installed")
    directory = tmp_path_factory.mktemp("tsa")
    make_tsa_files(directory)
    handler = type("Handler", (_Handler,), {"directory": directory})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", directory / "ca.crt", directory / "other-ca.crt"
    server.shutdown()
    server.server_close()
