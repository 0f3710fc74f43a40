"""Fixtures that run the real `sluice` binary for the interop suite.

Every test talks to a broker process started from the built binary
(`SLUICE_BIN`, else `<repo>/.build/debug/sluice`) on a fresh temporary data
directory and a free loopback port.

Development-only override: `SLUICE_INTEROP_BOOTSTRAP=host:port` points the
suite at an already running Kafka-compatible broker. Tests that need to stop,
kill or reconfigure the broker are skipped in that mode; CI never sets it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
READY_MARKER = "listening on"
CLEAN_SHUTDOWN_MARKER = ".clean-shutdown"
STARTUP_TIMEOUT_S = float(os.environ.get("SLUICE_INTEROP_STARTUP_TIMEOUT", "60"))
STOP_TIMEOUT_S = 30.0
EXTERNAL_BOOTSTRAP = os.environ.get("SLUICE_INTEROP_BOOTSTRAP")
# `SLUICE_INTEROP_LOG_LEVEL=debug` makes every broker of the suite log more (kept in failure reports).
BROKER_LOG_LEVEL = os.environ.get("SLUICE_INTEROP_LOG_LEVEL")

# Set once any broker reached "listening on"; until then a startup failure
# means the binary itself is broken, so the whole session stops early.
_any_broker_started = False


def sluice_binary() -> Path:
    env = os.environ.get("SLUICE_BIN")
    return Path(env) if env else REPO_ROOT / ".build" / "debug" / "sluice"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique_topic(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class BrokerStartupError(RuntimeError):
    pass


class Broker:
    """One `sluice serve` process; survives restarts on the same dir and port."""

    def __init__(self, extra_args: list[str] | None = None, workdir: Path | None = None,
                 data_dir: Path | None = None):
        self.extra_args = list(extra_args or [])
        self._tmp = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="sluice-interop-")
            workdir = Path(self._tmp.name)
        self.workdir = workdir
        # `data_dir` puts the logs elsewhere (e.g. a tiny tmpfs); broker logs stay in `workdir`.
        self.data_dir = data_dir if data_dir is not None else workdir / "data"
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self._log_files: list[Path] = []

    # -- lifecycle -------------------------------------------------------

    def command(self) -> list[str]:
        return [
            str(sluice_binary()), "serve",
            "--data-dir", str(self.data_dir),
            "--listen", self.bootstrap,
            "--advertised-listener", self.bootstrap,
            "--node-id", "1",
            *(["--log-level", BROKER_LOG_LEVEL] if BROKER_LOG_LEVEL else []),
            *self.extra_args,
        ]

    def start(self) -> "Broker":
        global _any_broker_started
        assert self.proc is None or self.proc.poll() is not None, "broker already running"
        self.starts += 1
        log_path = self.workdir / f"broker-{self.starts}.log"
        self._log_files.append(log_path)
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, cwd=self.workdir, start_new_session=True)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if READY_MARKER in self._current_log():
                _any_broker_started = True
                return self
            if self.proc.poll() is not None:
                raise BrokerStartupError(
                    f"sluice exited with {self.proc.returncode} before listening:\n{self.log_text()}")
            time.sleep(0.05)
        self._force_kill()
        raise BrokerStartupError(
            f"sluice did not log '{READY_MARKER}' within {STARTUP_TIMEOUT_S}s:\n{self.log_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM (or `sig`); the broker must exit 0 and leave the clean-shutdown marker."""
        assert self.proc is not None and self.proc.poll() is None, "broker not running"
        marker = self.data_dir / CLEAN_SHUTDOWN_MARKER
        # The broker has already read any old marker at startup; removing it
        # makes sure the one we check below was written by this shutdown.
        marker.unlink(missing_ok=True)
        name = signal.Signals(sig).name
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._force_kill()
            raise AssertionError(f"sluice ignored {name} for {STOP_TIMEOUT_S}s:\n{self.log_tail()}")
        assert rc == 0, f"sluice exited with {rc} on {name}:\n{self.log_tail()}"
        assert marker.exists(), f"no {CLEAN_SHUTDOWN_MARKER} after {name}:\n{self.log_tail()}"

    def kill9(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, "broker not running"
        self._force_kill()

    def restart(self) -> "Broker":
        self.stop()
        return self.start()

    def close(self) -> None:
        """Fixture teardown: never leave a process behind."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._force_kill()
        if self._tmp is not None:
            self._tmp.cleanup()

    def _force_kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # The broker runs in its own session: SIGKILL the whole group so
            # no helper process it may have spawned outlives it.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- logs ------------------------------------------------------------

    def _current_log(self) -> str:
        try:
            return self._log_files[-1].read_text(errors="replace")
        except (IndexError, FileNotFoundError):
            return ""

    def log_text(self) -> str:
        """All output of every run of this broker, oldest first."""
        parts = []
        for i, path in enumerate(self._log_files, 1):
            try:
                parts.append(f"--- run {i} ---\n" + path.read_text(errors="replace"))
            except FileNotFoundError:
                pass
        return "\n".join(parts)

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


class ExternalBroker:
    """Development stand-in for a broker we did not start (see module doc)."""

    def __init__(self, bootstrap: str):
        self.bootstrap = bootstrap
        self.data_dir = None
        self.running = True

    def _unsupported(self, *_a, **_k):
        pytest.skip("needs a broker process owned by the suite")

    stop = kill9 = start = restart = _unsupported

    def log_text(self) -> str:
        return ""

    def log_tail(self, lines: int = 60) -> str:
        return ""

    def close(self) -> None:
        pass


def _launch(extra_args: list[str], data_dir: Path | None = None) -> Broker | ExternalBroker:
    if EXTERNAL_BOOTSTRAP:
        if extra_args or data_dir is not None:
            pytest.skip(f"external broker cannot take {extra_args} / data dir {data_dir}")
        return ExternalBroker(EXTERNAL_BOOTSTRAP)
    binary = sluice_binary()
    if not binary.exists():
        pytest.exit(f"sluice binary not found at {binary}: run `swift build` or set SLUICE_BIN", returncode=1)
    broker = Broker(extra_args, data_dir=data_dir)
    try:
        broker.start()
    except BrokerStartupError as err:
        broker.close()
        if not _any_broker_started:
            pytest.exit(f"broker failed to start; stopping the suite.\n{err}", returncode=1)
        raise
    return broker


def _marker_args(node) -> list[str]:
    args: list[str] = []
    for mark in node.iter_markers("broker_args"):
        args = list(mark.args) + args
    return args


def pytest_configure(config):
    config.addinivalue_line("markers", "broker_args(*args): extra `sluice serve` arguments for the broker fixture")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome on the item so fixtures can tell a failed test."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _report_broker_log(request, broker) -> None:
    """A failed test's report carries the tail of its broker's log: the first thing to read."""
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        report.sections.append(("broker log (tail)", broker.log_tail(120)))


@pytest.fixture
def broker(request):
    """A fresh broker per test; extra CLI args via @pytest.mark.broker_args(...)."""
    b = _launch(_marker_args(request.node))
    yield b
    _report_broker_log(request, b)
    b.close()


@pytest.fixture(scope="module")
def module_broker(request):
    """One broker shared by a module's tests; args from the module's pytestmark."""
    b = _launch(_marker_args(request.node))
    yield b
    b.close()


@pytest.fixture
def broker_factory():
    """Start extra brokers with arbitrary args (and optionally `data_dir=`) inside one test."""
    started: list = []

    def make(*extra_args: str, data_dir: Path | None = None):
        b = _launch(list(extra_args), data_dir=data_dir)
        started.append(b)
        return b

    yield make
    for b in started:
        b.close()
