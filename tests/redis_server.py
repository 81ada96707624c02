"""A throwaway redis-server on a free loopback port, for the tests and the Redis benchmark.

It keeps nothing on disk (no RDB snapshots, no append-only file) and is stopped on exit.
No Redis client is needed to start it: readiness is checked with a raw ``PING``. A test can
restart it on the same port, with its data (a snapshot taken just before) or without.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager


def server_binary() -> str | None:
    """The path of ``redis-server``, or None when it is not installed."""
    return shutil.which("redis-server")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _answers(port: int, command: bytes, reply: bytes | tuple[bytes, ...], timeout: float = 0.5) -> bool:
    """Send one inline command without a Redis client; whether the reply starts with ``reply`` (or one of them)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(command + b"\r\n")
            return s.recv(64).startswith(reply)
    except OSError:
        return False


class RedisServer:
    """One running ``redis-server``: :attr:`url` to connect, :meth:`stop` to end it (tests kill it early)."""

    def __init__(self, binary: str, directory: str, startup: float = 10.0, options: Sequence[str] = ()) -> None:
        self.binary, self.directory, self.startup, self.options = binary, directory, startup, list(options)
        self.log = os.path.join(directory, "redis.log")  # a file, not a pipe that nobody reads and that fills up
        for _ in range(5):  # another process may take the free port before the server binds it
            self.port = free_port()
            self.url = f"redis://127.0.0.1:{self.port}/0"
            if self._start():
                return
        raise RuntimeError(f"{binary} did not start (last output: {self._output()!r})")

    def _start(self) -> bool:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", self.directory, *self.options]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup
        while self.process.poll() is None and time.monotonic() < deadline:
            if _answers(self.port, b"PING", (b"+PONG", b"-NOAUTH")):  # up, with or without a password
                return True
            time.sleep(0.02)
        self.stop()
        return False

    def restart(self, *, keep_data: bool) -> None:
        """Stop the server and start it again on the same port, with its data (a snapshot) or empty."""
        dump = os.path.join(self.directory, "dump.rdb")
        if os.path.exists(dump):
            os.remove(dump)
        if keep_data and not _answers(self.port, b"SAVE", b"+OK", timeout=30):
            raise RuntimeError("redis-server did not save its data")
        self.stop()
        if not self._start():
            raise RuntimeError(f"{self.binary} did not start again (last output: {self._output()!r})")

    def _output(self) -> str:
        try:
            with open(self.log, "rb") as log:
                return log.read()[-500:].decode(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Terminate the server and wait for it (a no-op when it has already stopped)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def redis_server(binary: str | None = None, options: Sequence[str] = ()) -> Iterator[RedisServer]:
    """Start ``redis-server`` (without persistence, with more command-line ``options``) in a temporary directory."""
    path = binary or server_binary()
    if path is None:
        raise FileNotFoundError("redis-server is not on PATH")
    with tempfile.TemporaryDirectory(prefix="dedupe-redis-") as directory:
        server = RedisServer(path, directory, options=options)
        try:
            yield server
        finally:
            server.stop()
