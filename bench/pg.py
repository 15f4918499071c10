"""A private PostgreSQL 15 server for the benchmark, started and stopped as the test suite does it.

Why a copy of the suite's fixture and not an import: the benchmark must run without pytest. The
server lives in a temporary directory on 127.0.0.1 and a free port, runs as the ``postgres`` user
when we are root (initdb refuses root), trusts local connections, and is stopped (immediate) and
removed at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()


def free_port() -> int:
    """A free TCP port on the loopback address (the tests' servers use it too)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_postgres(cmd: list[str]) -> list[str]:
    """Run as the postgres user when we are root (initdb refuses root)."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class PostgresServer:
    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="khieunai-bench-pg-")))
    port: int = field(default_factory=free_port)
    running: bool = False

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        data = self.base / "data"
        subprocess.run(as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                     "-E", "UTF8", "--no-locale"]), check=True, capture_output=True)
        options = (f"-p {self.port} -h 127.0.0.1 -k {self.base} -c max_connections=100 "
                   "-c full_page_writes=off -c checkpoint_timeout=1h")
        subprocess.run(as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(self.base / "log"), "-w",
                                     "-o", options, "start"]), check=True, capture_output=True)
        self.running = True

    def create_database(self, name: str) -> str:
        """A new empty database; its SQLAlchemy URL (the owner connects, as ``flask setup`` does in a demo)."""
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]  # a fixed name of ours
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.running:
            subprocess.run(as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.base / "data"), "-m", "immediate",
                                         "stop"]), capture_output=True)
            self.running = False
        shutil.rmtree(self.base, ignore_errors=True)
