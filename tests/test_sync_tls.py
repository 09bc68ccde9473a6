"""TLS and username/password from the broker URL, against a real Mosquitto with a private CA."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from mosquitto_broker import MOSQUITTO, Broker

from collector.outbox import HeardFrame, Outbox
from collector.sync import run_sync

ROOT = Path(__file__).resolve().parents[1]


def make_certs(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "amr test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[tuple[Broker, Path]]:
    if not Path(MOSQUITTO).exists() or not shutil.which("mosquitto_passwd"):
        pytest.skip("mosquitto and mosquitto_passwd are needed (apt-get install mosquitto)")
    ca, cert, key = make_certs(tmp_path / "certs")
    passwd = tmp_path / "passwd"
    for user, pw in (("van-tls", "s3cret:/@"), ("ingest", "ingest-pw")):
        subprocess.run(["mosquitto_passwd", "-b", *(["-c"] if user == "van-tls" else []), str(passwd), user, pw],
                       check=True, capture_output=True)
    broker = Broker(tmp_path / "mosquitto", extra_conf=(
        f"cafile {ca}\ncertfile {cert}\nkeyfile {key}\npassword_file {passwd}\nallow_anonymous false\n"))
    broker.start()
    try:
        yield broker, ca
    finally:
        broker.stop()


def test_sync_over_tls_with_username_and_password(tls_broker: tuple[Broker, Path], tmp_path: Path) -> None:
    broker, ca = tls_broker
    base = f"127.0.0.1:{broker.port}?ca={ca}"
    store = tmp_path / "store.sqlite"
    responder = subprocess.Popen([sys.executable, str(ROOT / "tests" / "receipt_responder.py"), "--broker",
                                  f"mqtts://ingest:ingest-pw@{base}", "--db", str(store)], stdout=subprocess.PIPE,
                                 cwd=ROOT)
    try:
        assert responder.stdout.readline().strip() == b"ready"
        outbox = tmp_path / "o.sqlite"
        ob = Outbox(outbox)
        for i in range(25):
            ob.add(HeardFrame(bytes([10, i]) + bytes(9), datetime.now(UTC), -75.5, "T1", "hex"))
        ob.close()
        events: list[str] = []

        async def sync(url: str, drain: float) -> None:
            stop = asyncio.Event()
            stop.set()
            await run_sync(outbox, url, "van-tls", stop=stop, drain_s=drain, poll_s=0.05, backoff_min_s=0.1,
                           on_event=events.append)

        asyncio.run(sync(f"mqtts://van-tls:wrong@{base}", 1.5))  # refused: stays unsynced, one clear line
        assert Outbox(outbox).stats().depth == 25
        assert any("unreachable" in e for e in events) and not any(e.startswith("connected") for e in events)
        asyncio.run(sync("mqtts://van-tls:s3cret%3A%2F%40@" + base, 15))  # password with : / @, URL-encoded
        assert any(e.startswith("connected to mqtts://van-tls:***@127.0.0.1") for e in events)
        assert Outbox(outbox).stats().depth == 0
    finally:
        responder.send_signal(signal.SIGTERM)
        responder.wait(10)
