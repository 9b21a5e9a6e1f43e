"""`trainshare emulator`, the real process: it prints the `export AWS_…` lines first, they make
boto3, the AWS SDKs' environment variables and trainshare itself act as the management account
against it, and SIGTERM or SIGINT stops it cleanly."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE

TRAINSHARE = [str(Path(sys.executable).parent / "trainshare")]
EXPORT = re.compile(r"^export (AWS_[A-Z_]+)=(\S+)$")


def clean_env(**extra: str) -> dict[str, str]:
    """This machine's environment without any AWS setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", **extra)
    return env


class Running:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [*TRAINSHARE, "emulator", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def exports(self) -> dict[str, str]:
        """The first four lines of stdout, read while the process runs (so: flushed)."""
        found = {}
        for _ in range(4):
            line = self.lines.get(timeout=120).rstrip("\n")
            match = EXPORT.match(line)
            assert match, line
            found[match[1]] = match[2]
        assert self.process.poll() is None
        return found

    def stop(self, signum: int) -> tuple[int, str]:
        self.process.send_signal(signum)
        _, stderr = self.process.communicate(timeout=30)
        return self.process.returncode, stderr

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


@pytest.fixture(scope="module")
def deployed():
    running = Running("--spec", str(EXAMPLE))
    yield running, running.exports()
    running.kill()


def trainshare(env: dict[str, str], *args: str, cwd: Path | None = None):
    return subprocess.run(
        [*TRAINSHARE, *args],
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


def test_the_exports_come_first_and_name_the_four_variables(deployed):
    _, env = deployed
    assert list(env) == [
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_DEFAULT_REGION",
    ]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", env["AWS_ENDPOINT_URL"])
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"


def test_boto3_from_the_environment_acts_as_the_management_account(deployed):
    _, env = deployed
    script = (
        "import boto3, json; "
        "print(json.dumps([boto3.client('sts').get_caller_identity()['Account'], "
        "sorted(a['Name'] for a in boto3.client('organizations').list_accounts()['Accounts'])]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    account, names = json.loads(result.stdout)
    assert account == "111111111111"
    assert {"shared-services", "team-vision", "team-nlp", "research-lab"} <= set(names)


def test_audit_import_and_access_read_it_with_no_endpoint_option(deployed, tmp_path):
    _, env = deployed
    snapshot = tmp_path / "snap.json"
    audit = trainshare(env, "audit", str(EXAMPLE), "--snapshot-out", str(snapshot))
    assert audit.returncode == 0, audit.stderr
    assert audit.stdout.strip() == f"no drift: the organization matches {EXAMPLE}"
    access = trainshare(env, "access", str(EXAMPLE), "--snapshot", str(snapshot), "-f", "json")
    assert access.returncode == 0, access.stderr
    assert json.loads(access.stdout)["decisions"]
    imported = trainshare(env, "import", "--out", str(tmp_path / "org"), "-f", "json")
    assert imported.returncode == 0, imported.stderr
    answer = json.loads(imported.stdout)
    assert set(answer) == {"written", "notes", "imports", "next"}
    assert str(tmp_path / "org" / "trainshare.yaml") in answer["written"]
    assert answer["imports"] > 0
    # the same snapshot against another spec: drift, as CSV rows
    other = Path(__file__).resolve().parents[2] / "src/trainshare/scaffold/trainshare.yaml"
    drift = trainshare({}, "audit", str(other), "--snapshot", str(snapshot), "-f", "csv")
    assert drift.returncode == 2
    header, *rows = drift.stdout.splitlines()
    assert header == "record,code,severity,object,name,message,fix"
    assert rows and all(r.startswith(("drift,", "finding,")) for r in rows)


def test_sigterm_stops_it_cleanly():
    running = Running()
    try:
        running.exports()
        code, stderr = running.stop(signal.SIGTERM)
        assert code == 0
        assert stderr.rstrip().endswith("emulator stopped")
        assert "Traceback" not in stderr
    finally:
        running.kill()


def test_without_a_spec_an_empty_organization_and_sigint_stops_it():
    running = Running()
    try:
        env = running.exports()
        script = (
            "import boto3; o = boto3.client('organizations').describe_organization()"
            "['Organization']; print(o['MasterAccountId'], o['FeatureSet'])"
        )
        described = subprocess.run(
            [sys.executable, "-c", script],
            env=clean_env(**env),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert described.stdout.split() == ["111111111111", "ALL"], described.stderr
        code, stderr = running.stop(signal.SIGINT)
        assert code == 0
        assert "an empty organization: management account 111111111111" in stderr
        assert stderr.rstrip().endswith("emulator stopped")
    finally:
        running.kill()


def test_a_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = trainshare({}, "emulator", "--port", str(port))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use — choose another "
        "port with --port, or leave it out for a free one"
    )
