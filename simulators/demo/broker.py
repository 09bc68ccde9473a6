"""A local MQTT broker for the demo and for machines without a system broker.

Mosquitto is preferred because it is what a utility deploys and it supports the shared subscription
ingest workers split the load with. Where it is not installed, amqtt (pure Python, installed with the
project) stands in, so the README's first command needs no system service. amqtt has no shared
subscriptions, so callers learn which broker they got and subscribe to the plain topic there.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BrokerError(RuntimeError):
    """The broker could not be started; the message says which one and where its log is."""


@dataclass
class LocalBroker:
    """A broker process listening on loopback only, with its config and log in ``folder``."""

    folder: Path
    port: int = field(default_factory=free_port)
    kind: str = ""
    proc: subprocess.Popen[bytes] | None = None
    extra_conf: str = ""  # appended to Mosquitto's config (TLS listeners, password files in tests)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def shared_subscriptions(self) -> bool:
        return self.kind == "mosquitto"

    @property
    def conf(self) -> Path:
        return self.folder / "mosquitto.conf"

    @property
    def log(self) -> Path:
        return self.folder / f"{self.kind or 'broker'}.log"

    def start(self, prefer: str = "auto") -> LocalBroker:
        self.folder.mkdir(parents=True, exist_ok=True)
        mosquitto = shutil.which("mosquitto") or next(
            (p for p in ("/usr/sbin/mosquitto",) if Path(p).exists()), None)
        if prefer in ("auto", "mosquitto") and mosquitto:
            self.kind = "mosquitto"
            # As root, Mosquitto switches to the `mosquitto` user, who cannot read a 0700 folder of ours.
            run_as = "user root\n" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
            self.conf.write_text(
                f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                f"persistence_location {self.folder}/\nautosave_interval 1\nmax_queued_messages 0\n"
                f"max_inflight_messages 100\nlog_dest file {self.log}\n{run_as}{self.extra_conf}"
            )
            cmd = [mosquitto, "-c", str(self.conf)]
        elif prefer in ("auto", "amqtt"):
            self.kind = "amqtt"
            conf = self.folder / "amqtt.yaml"
            conf.write_text(
                "listeners:\n  default:\n    type: tcp\n"
                f"    bind: 127.0.0.1:{self.port}\n"
                "plugins:\n  amqtt.plugins.authentication.AnonymousAuthPlugin:\n    allow_anonymous: true\n"
            )
            script = Path(sys.executable).with_name("amqtt")
            cmd = ([str(script), "-c", str(conf)] if script.exists()
                   else [sys.executable, "-m", "amqtt.scripts.broker_script", "-c", str(conf)])
        else:
            raise BrokerError(f"unknown broker {prefer!r}: use auto, mosquitto or amqtt")
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BrokerError(f"{self.kind} exited with code {self.proc.returncode}; see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise BrokerError(f"{self.kind} did not listen on 127.0.0.1:{self.port} within 15 s; see {self.log}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, down_s: float = 0.0) -> None:
        """Stop and start again on the same port (persistence keeps queued QoS 1 messages)."""
        kind = self.kind
        self.stop()
        if down_s:
            time.sleep(down_s)
        self.start(kind)

    def __enter__(self) -> LocalBroker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
