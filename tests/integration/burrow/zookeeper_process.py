"""A private ZooKeeper on a loopback port for Burrow's own bookkeeping, from Debian's `zookeeper` package.

Started the way Debian's zkServer.sh starts it (java, QuorumPeerMain, zookeeper.jar whose manifest names
its dependencies) but with a generated zoo.cfg: its own data dir, a free port, no admin web server.
slf4j-simple sends ZooKeeper's log to our log file.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from broker_process import free_loopback_port

ZOOKEEPER_JAR = Path("/usr/share/java/zookeeper.jar")
SLF4J_SIMPLE_JAR = Path("/usr/share/java/slf4j-simple.jar")
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


def zookeeper_missing_reason() -> str | None:
    if shutil.which("java") is None:
        return "java is not installed (Debian's zookeeper package brings default-jre)"
    if not ZOOKEEPER_JAR.exists():
        return f"{ZOOKEEPER_JAR} is missing: apt-get install zookeeper (scripts/install-deps.sh does)"
    return None


class ZooKeeperProcess:
    def __init__(self, work_dir: Path):
        self.work_dir = work_dir
        self.port = free_loopback_port()
        self.log_path = work_dir / "zookeeper.log"
        self.proc: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _write_config(self) -> Path:
        data_dir = self.work_dir / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        config = self.work_dir / "zoo.cfg"
        config.write_text("\n".join([
            "tickTime=2000",
            f"dataDir={data_dir}",
            f"clientPort={self.port}",
            "clientPortAddress=127.0.0.1",
            "admin.enableServer=false",
            "4lw.commands.whitelist=ruok",
            "",
        ]))
        return config

    def start(self) -> "ZooKeeperProcess":
        config = self._write_config()
        classpath = f"{ZOOKEEPER_JAR}:{SLF4J_SIMPLE_JAR}"
        cmd = ["java", "-Xmx256m", "-cp", classpath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(config)]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"ZooKeeper exited with {self.proc.returncode}:\n{self.log_tail()}")
            if self._answers_ruok():
                return self
            time.sleep(0.2)
        raise AssertionError(f"ZooKeeper did not answer 'ruok' on {self.address} within {STARTUP_TIMEOUT_S}s:\n{self.log_tail()}")

    def _answers_ruok(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"ruok")
                return s.recv(4) == b"imok"
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT_S)

    def log_tail(self, max_chars: int = 8000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-max_chars:]
        except FileNotFoundError:
            return "(no ZooKeeper log)"
