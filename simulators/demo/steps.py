"""Running the demo's stages as real ``amr`` processes, each with its own log file.

Every stage is the command a utility would type, so a failure in the demo is a failure a user would
meet; the log file named in the error holds that command's own output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class DemoError(RuntimeError):
    """A stage failed; the message names the stage, the command and its log."""


def amr_command(*args: str) -> list[str]:
    """The `amr` command of this very installation (the same interpreter, whatever PATH says)."""
    return [sys.executable, "-m", "cli", *args]


@dataclass
class Stages:
    folder: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    background: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def log(self, name: str) -> Path:
        (self.folder / "logs").mkdir(parents=True, exist_ok=True)
        return self.folder / "logs" / f"{name}.log"

    def run(self, name: str, args: Sequence[str], timeout: float = 600) -> str:
        """Run ``amr ARGS`` to the end; its stdout is returned and also kept in the stage's log."""
        log = self.log(name)
        cmd = amr_command(*args)
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=self.env,
                                  cwd=self.cwd)
        except subprocess.TimeoutExpired:
            raise DemoError(f"{name}: `amr {' '.join(args)}` did not finish within {timeout:.0f} s") from None
        log.write_text(f"$ amr {' '.join(args)}\n{done.stdout}\n--- stderr ---\n{done.stderr}")
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or ["(no output)"])[-1]
            raise DemoError(f"{name}: `amr {' '.join(args)}` exited with {done.returncode}: {last} (log: {log})")
        return done.stdout

    @property
    def cwd(self) -> str:
        return str(Path(__file__).resolve().parents[2])

    def start(self, name: str, args: Sequence[str]) -> subprocess.Popen[bytes]:
        """Start ``amr ARGS`` in the background, stdout and stderr into the stage's log."""
        log = self.log(name).open("ab")
        proc = subprocess.Popen(amr_command(*args), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=self.env, cwd=self.cwd)
        self.background.append((name, proc))
        return proc

    def wait_line(self, name: str, proc: subprocess.Popen[bytes], test: Callable[[str], bool],
                  timeout: float = 60) -> str:
        """Wait until the stage's log has a line for which ``test`` holds (e.g. the pty path)."""
        log = self.log(name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in log.read_text(errors="replace").splitlines():
                if test(line):
                    return line
            if proc.poll() is not None:
                raise DemoError(f"{name} exited with {proc.returncode} before it was ready (log: {log})")
            time.sleep(0.1)
        raise DemoError(f"{name} was not ready within {timeout:.0f} s (log: {log})")

    def stop(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGINT, timeout: float = 30) -> int:
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return proc.returncode

    def stop_all(self) -> None:
        for _, proc in reversed(self.background):
            self.stop(proc, signal.SIGTERM, timeout=10)
