"""The broker configuration we tell utilities to deploy (deploy/mosquitto), tested on a real Mosquitto.

Contract 2's security promise: every van has its own user, writes only under its own topics and reads
only its own receipts; nobody connects anonymously or without the utility's CA. The test builds the
deployment from the shipped ACL template and a CA of its own, then tries each way in.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
from pathlib import Path

import aiomqtt
import pytest
from mosquitto_broker import MOSQUITTO, free_port
from tls_ca import make_ca

ROOT = Path(__file__).resolve().parents[1]
USERS = {"van-a": "pw-a-7f3k", "van-b": "pw-b-9q2m", "ingest": "pw-ingest-4xz1"}


@pytest.fixture
def secure_broker(tmp_path: Path):
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    certs = make_ca(tmp_path / "certs")
    passwd = tmp_path / "amr.passwd"
    passwd.touch()
    for user, pw in USERS.items():
        subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, pw], check=True, capture_output=True)
    acl = tmp_path / "amr.acl"
    acl.write_text((ROOT / "deploy/mosquitto/acl").read_text())
    port = free_port()
    # The shipped config with this test's paths and port; every security line is kept as shipped.
    conf = (ROOT / "deploy/mosquitto/amr.conf").read_text()
    conf = (conf.replace("/etc/mosquitto/amr.passwd", str(passwd)).replace("/etc/mosquitto/amr.acl", str(acl))
            .replace("/etc/mosquitto/certs/ca.crt", str(certs["ca"]))
            .replace("/etc/mosquitto/certs/server.crt", str(certs["cert"]))
            .replace("/etc/mosquitto/certs/server.key", str(certs["key"]))
            .replace("listener 8883", f"listener {port} 127.0.0.1")
            .replace("persistence true", f"persistence false\nlog_dest file {tmp_path / 'mosquitto.log'}"))
    if os.geteuid() == 0:
        conf += "user root\n"  # the default `mosquitto` user cannot read pytest's 0700 tmp dirs
    (tmp_path / "mosquitto.conf").write_text(conf)
    proc = subprocess.Popen([MOSQUITTO, "-c", str(tmp_path / "mosquitto.conf")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    import socket
    import time

    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port, certs["ca"]
    proc.terminate()
    proc.wait(5)


def tls(ca: Path | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca)) if ca else ssl.create_default_context()
    return ctx


def client(port: int, ca: Path | None, user: str | None, ident: str) -> aiomqtt.Client:
    # MQTT 5, so that the broker's refusals come back as reason codes instead of dropped connections.
    return aiomqtt.Client("127.0.0.1", port, username=user, password=USERS.get(user or ""), identifier=ident,
                          tls_context=tls(ca), timeout=5, protocol=aiomqtt.ProtocolVersion.V5)


async def _collect(sub: aiomqtt.Client, seconds: float) -> list[tuple[str, bytes]]:
    got: list[tuple[str, bytes]] = []
    try:
        async with asyncio.timeout(seconds):
            async for m in sub.messages:
                got.append((str(m.topic), bytes(m.payload)))
    except TimeoutError:
        pass
    return got


def test_anonymous_and_wrong_password_are_refused(secure_broker) -> None:
    port, ca = secure_broker

    async def attempt(user: str | None, password: str | None) -> None:
        async with aiomqtt.Client("127.0.0.1", port, username=user, password=password, tls_context=tls(ca),
                                  timeout=5):
            pass

    for user, password in ((None, None), ("van-a", "wrong"), ("nobody", "x")):
        with pytest.raises(aiomqtt.MqttError) as err:
            asyncio.run(attempt(user, password))
        assert "authoriz" in str(err.value).lower() or "password" in str(err.value).lower(), str(err.value)


def test_client_without_the_trusted_ca_fails(secure_broker) -> None:
    port, _ = secure_broker

    async def attempt() -> None:
        async with client(port, None, "van-a", "no-ca"):
            pass

    with pytest.raises(aiomqtt.MqttError) as err:
        asyncio.run(attempt())
    assert "certificate" in str(err.value).lower() or "ssl" in str(err.value).lower(), str(err.value)


async def _try_publish(port: int, ca: Path, user: str, topic: str, payload: bytes) -> str:
    """Publish as ``user`` on a connection of its own: mosquitto denies it (reason 135 in its log) and the
    client library then drops the connection, so the effect is checked at the receivers, not here."""
    try:
        async with client(port, ca, user, f"{user}-probe") as c:
            await c.publish(topic, payload, qos=1)
            await asyncio.sleep(0.3)
    except aiomqtt.MqttError as exc:
        return f"refused: {exc}"
    return "no error"


def test_a_van_writes_and_reads_only_its_own_topics(secure_broker) -> None:
    port, ca = secure_broker
    batch_a = b'{"van_id":"van-a","batch_seq":1,"records":[]}'
    batch_b = b'{"van_id":"van-b","batch_seq":7,"records":[]}'

    async def scenario() -> dict[str, object]:
        seen: dict[str, object] = {}
        async with client(port, ca, "ingest", "ingest-1") as ingest, client(port, ca, "van-a", "van-a") as a:
            await ingest.subscribe("$share/ingest/amr/v1/vans/+/batches", qos=1)
            await a.subscribe("amr/v1/vans/van-a/receipts", qos=1)
            await a.subscribe("amr/v1/vans/van-b/receipts", qos=1)  # granted, but the ACL delivers nothing
            await a.subscribe("amr/v1/vans/+/batches", qos=1)
            await a.publish("amr/v1/vans/van-a/batches", batch_a, qos=1)
            seen["a as b"] = await _try_publish(port, ca, "van-a", "amr/v1/vans/van-b/batches", batch_a)
            async with client(port, ca, "van-b", "van-b") as b:
                await b.publish("amr/v1/vans/van-b/batches", batch_b, qos=1)
            seen["forged receipt"] = await _try_publish(port, ca, "van-b", "amr/v1/vans/van-a/receipts",
                                                        b'{"batch_seq":1,"forged":true}')
            seen["at ingest"] = await _collect(ingest, 1.0)
            await ingest.publish("amr/v1/vans/van-a/receipts", b'{"batch_seq":1}', qos=1)
            await ingest.publish("amr/v1/vans/van-b/receipts", b'{"batch_seq":7}', qos=1)
            seen["at a"] = await _collect(a, 1.0)
        return seen

    seen = asyncio.run(scenario())
    # van A's batch under van B's name never reached ingest, and van A never saw B's batch or receipt
    assert seen["at ingest"] == [("amr/v1/vans/van-a/batches", batch_a), ("amr/v1/vans/van-b/batches", batch_b)]
    assert seen["at a"] == [("amr/v1/vans/van-a/receipts", b'{"batch_seq":1}')]
