"""The CLI at its edges (issue #16): output paths that do not exist, are folders or are not
writable, and input files that cannot be read, are each `error: …` and exit 1 — checked before
the work that would fill them, never a traceback."""

from __future__ import annotations

import os
import typing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE
from tests.property.test_import_names import organization, ou_id
from trainshare import outputs
from trainshare.cli import app
from trainshare.cli.diff import SpecRefArg
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


# -- every file the CLI reads, every way it cannot be read ------------------------------------

# Each place a command takes a file to read: the command line, FILE where the file goes.
FILE = "{file}"
SNAPSHOT_OPTIONS = ["--snapshot", "/dev/null"]  # an audit or capacity that reads no AWS
INPUT_SLOTS = {
    ("validate", "specs"): ["validate", FILE],
    ("validate", "against"): ["validate", str(EXAMPLE), "--against", FILE],
    ("plan", "spec"): ["plan", FILE],
    ("plan", "against"): ["plan", str(EXAMPLE), "--against", FILE],
    ("plan", "snapshot"): ["plan", str(EXAMPLE), "--snapshot", FILE],
    ("plan", "adopt"): ["plan", str(EXAMPLE), "--adopt", FILE],
    ("access", "spec"): ["access", FILE],
    ("access", "snapshot"): ["access", str(EXAMPLE), "--snapshot", FILE],
    ("simulate", "request"): ["simulate", FILE],
    ("lint", "files"): ["lint", FILE],
    ("audit", "spec"): ["audit", FILE, *SNAPSHOT_OPTIONS],
    ("audit", "snapshot"): ["audit", str(EXAMPLE), "--snapshot", FILE],
    ("capacity", "spec"): ["capacity", FILE, *SNAPSHOT_OPTIONS],
    ("capacity", "snapshot"): ["capacity", str(EXAMPLE), "--snapshot", FILE],
    ("demo", "spec"): ["demo", FILE],
    ("emulator", "spec"): ["emulator", "--spec", FILE],
    ("import", "snapshot"): ["import", "--snapshot", FILE, "--out", "/nonexistent/never"],
    ("diff", "old"): ["diff", FILE, str(EXAMPLE)],
    ("diff", "new"): ["diff", str(EXAMPLE), FILE],
}
# Each place a command writes: a file, or a folder it fills.
OUTPUT_FILES = {
    ("access", "html_file"): (["access", str(EXAMPLE), "--html", FILE], "HTML report"),
    ("audit", "snapshot_out"): (
        ["audit", str(EXAMPLE), "--endpoint-url", "http://127.0.0.1:9", "--snapshot-out", FILE],
        "snapshot",
    ),
    ("capacity", "snapshot_out"): (
        ["capacity", str(EXAMPLE), "--endpoint-url", "http://127.0.0.1:9", "--snapshot-out", FILE],
        "capacity snapshot",
    ),
    ("capacity", "html_file"): (
        ["capacity", str(EXAMPLE), "--endpoint-url", "http://127.0.0.1:9", "--html", FILE],
        "HTML report",
    ),
    ("demo", "html_file"): (["demo", str(EXAMPLE), "--html", FILE], "access report"),
}
OUTPUT_FOLDERS = {
    ("import", "out_dir"): ["import", "--snapshot", "{snapshot}", "--out", FILE],
    ("synth", "out_dir"): ["synth", "--out", FILE, "--accounts", "12", "--owners", "2"],
    ("init", "folder"): ["init", FILE],
}


def path_parameters() -> set[tuple[str, str]]:
    """(command, parameter) for every parameter of the CLI typed as a path, or a spec
    reference (`diff`'s file or git:REV:PATH)."""
    found = set()
    groups = [((), app)]
    while groups:
        prefix, typer_app = groups.pop()
        for command in typer_app.registered_commands:
            name = " ".join((*prefix, command.name or command.callback.__name__))
            hints = typing.get_type_hints(command.callback, include_extras=True)
            for parameter, hint in hints.items():
                base, *meta = typing.get_args(hint) if hasattr(hint, "__metadata__") else (hint,)
                if Path in (base, *typing.get_args(base)) or SpecRefArg in meta:
                    found.add((name, parameter))
        groups += [((*prefix, g.name), g.typer_instance) for g in typer_app.registered_groups]
    return found


def test_every_path_the_cli_takes_is_fed_below():
    """A new command or option that takes a path joins the tables above (and so every test
    of unreadable inputs and unwritable outputs)."""
    assert path_parameters() == {*INPUT_SLOTS, *OUTPUT_FILES, *OUTPUT_FOLDERS}


def unreadable(kind: str, folder: Path) -> Path:
    """A file that cannot be read as text of any kind, the `kind` way."""
    folder.mkdir(exist_ok=True)
    if kind == "missing":
        return folder / "missing.yaml"
    if kind == "folder":
        return folder
    if kind == "endless":
        return Path("/dev/zero")
    if kind == "latin-1":
        path = folder / "latin.yaml"
        path.write_bytes(b"name: caf\xe9\n")
        return path
    if kind == "dangling link":
        path = folder / "link.yaml"
        path.symlink_to(folder / "nowhere.yaml")
        return path
    raise AssertionError(kind)


UNREADABLE = {
    "missing": "No such file or directory",
    "folder": "is a folder, not a",
    "endless": "may be at most",
    "latin-1": "is not UTF-8 text: byte 0xe9 cannot be decoded",
    "dangling link": "No such file or directory",
}


@pytest.mark.parametrize("kind", UNREADABLE)
@pytest.mark.parametrize("slot", INPUT_SLOTS, ids=" ".join)
def test_every_input_that_cannot_be_read_is_one_located_error_and_exit_1(tmp_path, slot, kind):
    path = unreadable(kind, tmp_path / "in")
    args = [str(path) if a == FILE else a for a in INPUT_SLOTS[slot]]
    result = invoke(*args)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors, result.output
    assert str(path) in errors[0] and UNREADABLE[kind] in result.output, errors
    assert "Traceback" not in result.output


@pytest.mark.parametrize("slot", INPUT_SLOTS, ids=" ".join)
def test_every_empty_input_is_an_answer_not_a_crash(slot):
    """An empty file (`/dev/null`; a FIFO with no writer reads the same) is read: lint finds
    it is not a policy (exit 2), every other command says what is missing (exit 1)."""
    result = invoke(*[("/dev/null" if a == FILE else a) for a in INPUT_SLOTS[slot]])
    assert result.exit_code == (2 if slot == ("lint", "files") else 1), result.output
    assert "Traceback" not in result.output


def unwritable(kind: str, folder: Path) -> tuple[Path, str]:
    """An output path and how the error says it cannot be written."""
    if kind == "missing folder":
        return folder / "nope" / "out", f"the folder {folder / 'nope'} does not exist"
    if kind == "folder":
        return folder, "it is a folder"
    if kind == "under a file":
        (folder / "file").write_text("x")
        return folder / "file" / "out", f"{folder / 'file'} is not a folder"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["missing folder", "folder", "under a file"])
@pytest.mark.parametrize("slot", OUTPUT_FILES, ids=" ".join)
def test_every_output_file_that_cannot_be_written_is_refused_first(tmp_path, slot, kind):
    path, why = unwritable(kind, tmp_path)
    command, what = OUTPUT_FILES[slot]
    result = invoke(*[str(path) if a == FILE else a for a in command])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write the {what} to {path}: {why}")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("slot", OUTPUT_FILES, ids=" ".join)
def test_every_output_file_that_is_not_writable_is_refused_first(tmp_path, monkeypatch, slot):
    monkeypatch.setattr(outputs, "_writable", lambda path: False)
    command, what = OUTPUT_FILES[slot]
    path = tmp_path / "out"
    result = invoke(*[str(path) if a == FILE else a for a in command])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: cannot write the {what} to {path}: permission denied — choose a path you can "
        "write to\n"
    )


@pytest.fixture
def snapshot_file(tmp_path) -> Path:
    path = tmp_path / "snap.json"
    snapshot = organization([("ml", None)], [("a", 0)], [("deny", [ou_id(0)])], [])
    path.write_text(snapshot.to_json())
    return path


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("a file", "it is not a folder — name a folder (it is created if missing)"),
        ("under a file", "{parent} is not a folder — name a folder (it is created if missing)"),
        ("a dangling link", "it is not a folder — name a folder (it is created if missing)"),
        ("not writable", "permission denied — choose a folder you can write to"),
    ],
)
@pytest.mark.parametrize("slot", OUTPUT_FOLDERS, ids=" ".join)
def test_every_folder_to_fill_that_cannot_be_is_refused_first(
    tmp_path, monkeypatch, snapshot_file, slot, kind, why
):
    blocker = tmp_path / "blocker"
    if kind == "a dangling link":
        blocker.symlink_to(tmp_path / "nowhere")
    else:
        blocker.write_text("x")
    path = blocker / "project" if kind == "under a file" else blocker
    if kind == "not writable":
        path = tmp_path / "new" / "project"
        monkeypatch.setattr(outputs, "_writable", lambda folder: folder != tmp_path)
    what = "synthetic organization" if slot == ("synth", "out_dir") else "project"
    command = [str(path) if a == FILE else a for a in OUTPUT_FOLDERS[slot]]
    result = invoke(*[str(snapshot_file) if a == "{snapshot}" else a for a in command])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: cannot write the {what} to {path}: {why.format(parent=blocker)}\n"
    )
    assert not (tmp_path / "nowhere").exists() and not (tmp_path / "new").exists()
