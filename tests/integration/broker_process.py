"""Runs `logport broker` as a child process on a loopback port, the way an operator would.

A BrokerProcess owns one data directory and one port for its whole life, so a test can
stop, kill -9 and restart it and clients reconnect to the same address. Output goes to
a log file that conftest prints when a test fails.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


def logport_binary() -> Path:
    return Path(os.environ.get("LOGPORT_BIN", REPO_ROOT / ".build" / "debug" / "logport"))


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_yaml(config: dict) -> str:
    """Flat `key: value` YAML; Kafka's dotted key names are plain scalars in YAML."""
    lines = []
    for key, value in config.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


class BrokerStartError(Exception):
    pass


class BrokerProcess:
    def __init__(self, work_dir: Path, config: Optional[dict] = None, node_id: Optional[int] = None):
        self.work_dir = work_dir
        self.data_dir = work_dir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = work_dir / "broker.log"
        self.port = free_loopback_port()
        self.node_id = node_id
        self.config_path: Optional[Path] = None
        if config:
            self.config_path = work_dir / "broker.yaml"
            self.config_path.write_text(render_yaml(config))
        self.proc: Optional[subprocess.Popen] = None
        self.starts = 0

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None, "broker not started"
        return self.proc.pid

    def __str__(self) -> str:
        return self.bootstrap

    def command(self) -> list[str]:
        cmd = [str(logport_binary()), "broker", "--data-dir", str(self.data_dir), "--listen", self.bootstrap]
        if self.config_path is not None:
            cmd += ["--config", str(self.config_path)]
        if self.node_id is not None:
            cmd += ["--node-id", str(self.node_id)]
        return cmd

    def start(self) -> "BrokerProcess":
        binary = logport_binary()
        if not binary.exists():
            raise BrokerStartError(f"broker binary {binary} does not exist (build it or set LOGPORT_BIN)")
        self.starts += 1
        log = open(self.log_path, "ab")
        log.write(f"\n===== start #{self.starts}: {' '.join(self.command())}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        """Ready means the log announced the listener and the port accepts connections."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        announced = f"listening on {self.bootstrap}"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BrokerStartError(f"broker exited with {self.proc.returncode} during startup:\n{self.log_tail()}")
            if announced in self._current_run_log() and self._port_accepts():
                return
            time.sleep(0.05)
        raise BrokerStartError(f"broker did not print '{announced}' and accept connections within {STARTUP_TIMEOUT_S}s:\n{self.log_tail()}")

    def _current_run_log(self) -> str:
        text = self.log_path.read_text(errors="replace")
        return text.rsplit(f"===== start #{self.starts}:", 1)[-1]

    def _port_accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> int:
        """SIGTERM and wait; returns the exit code (SIGKILL after a timeout is a failure the caller sees)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT_S)
            raise AssertionError(f"broker ignored SIGTERM for {STOP_TIMEOUT_S}s and was killed")

    def kill9(self) -> None:
        if self.is_running():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT_S)

    def restart(self, hard: bool = False) -> "BrokerProcess":
        """Stops (SIGTERM, or SIGKILL when hard) and starts again on the same port and data dir."""
        if hard:
            self.kill9()
        else:
            self.stop()
        return self.start()

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("VmRSS missing from /proc status")

    def log_tail(self, max_chars: int = 20000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no broker log)"
        return text[-max_chars:]
