"""The CLI at its edges (issue #16): output paths that do not exist, are folders or are not
writable, and input files that cannot be read, are each `error: …` and exit 1 — checked before
the work that would fill them, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE
from trainshare import outputs
from trainshare.cli import app
from trainshare.outputs import OutputError, write_text

runner = CliRunner()
POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}'
)


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.parametrize(
    ("command", "what"),
    [
        (["access", str(EXAMPLE), "--html"], "HTML report"),
        (
            ["audit", str(EXAMPLE), "--endpoint-url", "http://127.0.0.1:9", "--snapshot-out"],
            "snapshot",
        ),
        (["capacity", str(EXAMPLE), "--snapshot-out"], "capacity snapshot"),
        (["demo", str(EXAMPLE), "--html"], "access report"),
    ],
)
def test_an_output_in_a_missing_folder_is_refused_before_the_work(tmp_path, command, what):
    target = tmp_path / "nope" / "out.file"
    result = invoke(*command, str(target))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: cannot write the {what} to {target}: the folder {target.parent} does not "
        "exist — create it, or choose another path\n"
    )


def test_an_output_that_is_a_folder_is_refused(tmp_path):
    result = invoke("access", str(EXAMPLE), "--html", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: cannot write the HTML report to {tmp_path}: it is a folder — name a file, "
        f"e.g. {tmp_path / 'access.html'}\n"
    )


def test_an_output_that_is_not_writable_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(outputs, "_writable", lambda path: False)
    result = invoke("access", str(EXAMPLE), "--html", str(tmp_path / "a.html"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: cannot write the HTML report to {tmp_path / 'a.html'}: permission denied — "
        "choose a path you can write to\n"
    )


def test_a_failed_write_leaves_the_old_file_and_no_scratch(tmp_path, monkeypatch):
    target = tmp_path / "snap.json"
    target.write_text("old\n")
    os.chmod(target, 0o640)

    def full(scratch, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "_replace", full)
    with pytest.raises(OutputError) as caught:
        write_text(target, "new\n", "snapshot")
    assert str(caught.value) == (
        f"cannot write the snapshot to {target}: No space left on device — free some space"
    )
    monkeypatch.undo()
    assert target.read_text() == "old\n"
    write_text(target, "new\n", "snapshot")
    assert target.read_text() == "new\n"
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)  # the file keeps its mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap.json"]


def test_links_and_devices_are_written_through_never_replaced(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_text(link, "new\n", "snapshot")
    assert link.is_symlink() and real.read_text() == "new\n"
    write_text(Path("/dev/null"), "gone\n", "snapshot")
    assert Path("/dev/null").is_char_device()


def test_lint_reports_every_unreadable_file_lints_the_rest_and_exits_1(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(POLICY.replace('"Action": "*"', '"Action": "ec2:RunInstance"'))
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"Sid": "caf\xe9"}')
    result = invoke("lint", str(tmp_path), str(good), str(latin), "/dev/zero")
    assert result.exit_code == 1  # not 2: files were not read, whatever the findings
    assert "UNKNOWN_ACTION" in result.stdout  # good.json was still linted
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: {tmp_path}: is a folder, not a policy document file — name a file",
        f"error: {latin}:1: the policy document is not UTF-8 text: byte 0xe9 cannot be decoded "
        "— save the file as UTF-8 (an editor's 'encoding' setting; Latin-1 is not UTF-8)",
        "error: /dev/zero: a policy document may be at most 1,048,576 bytes (1 MiB); this one "
        "is more than that — check that this is the policy document you meant",
    ]


def test_lint_of_readable_files_keeps_its_exit_codes(tmp_path):
    clean = tmp_path / "clean.json"
    clean.write_text(POLICY)
    assert invoke("lint", str(clean)).exit_code == 0
    broken = tmp_path / "broken.json"
    broken.write_text('{"Version": NaN}')
    result = invoke("lint", str(broken))
    assert result.exit_code == 2  # JSON that is not a policy is a finding: POLICY_SYNTAX
    assert "POLICY_SYNTAX" in result.stdout and "NaN is not JSON" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "/dev/zero"],
        ["validate", "/"],
        ["audit", str(EXAMPLE), "--snapshot", "/"],
        ["access", str(EXAMPLE), "--snapshot", "/dev/null"],
        ["import", "--snapshot", "/dev/zero", "--out", "/tmp/never-written"],
    ],
)
def test_inputs_that_cannot_be_read_exit_1_with_one_error(args):
    result = invoke(*args)
    assert result.exit_code == 1
    assert "error: " in result.stderr
    assert "Traceback" not in result.output
