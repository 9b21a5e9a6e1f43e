"""The command line's conventions: usage errors exit 1 (2 is findings or drift), `--debug`
before or after the subcommand, help without type placeholders on flags."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE
from trainshare.cli import app
from trainshare.cli.common import err, out
from trainshare.cli.group import debug_first
from trainshare.snapshot import SnapshotError

runner = CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1"})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", str(EXAMPLE), "--bogus"], "No such option: --bogus"),
        (["access", str(EXAMPLE), "-f", "xml"], "Invalid value for '--format' / '-f'"),
        (["audit"], "Missing argument 'SPEC'"),
        (["synth", "--out", "x", "--accounts", "1"], "Invalid value for '--accounts'"),
        (["nonsense"], "No such command 'nonsense'"),
        (["guardrails", "show"], "Missing argument 'NAME'"),
    ],
)
def test_a_usage_error_exits_1(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--debug", "audit", str(EXAMPLE), "--snapshot", "SNAP"],
        ["audit", str(EXAMPLE), "--snapshot", "SNAP", "--debug"],
        ["audit", "--debug", str(EXAMPLE), "--snapshot", "SNAP"],
    ],
)
def test_debug_before_or_after_the_subcommand_shows_the_traceback(args, tmp_path):
    snap = tmp_path / "s.json"
    snap.write_text('{"version": 99}')
    result = runner.invoke(app, [str(snap) if a == "SNAP" else a for a in args])
    assert isinstance(result.exception, SnapshotError)  # raised, not printed


def test_without_debug_the_same_error_is_one_line_and_exit_1(tmp_path):
    snap = tmp_path / "s.json"
    snap.write_text('{"version": 99}')
    result = runner.invoke(app, ["audit", str(EXAMPLE), "--snapshot", str(snap)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")


@pytest.mark.parametrize(
    ("args", "moved"),
    [
        (["audit", "x", "--debug"], ["--debug", "audit", "x"]),
        (["--debug", "audit"], ["--debug", "audit"]),
        (["audit", "--", "--debug"], ["audit", "--", "--debug"]),  # after --: an argument
        (["plan", "x"], ["plan", "x"]),
    ],
)
def test_debug_first(args, moved):
    assert debug_first(args) == moved


@pytest.mark.parametrize(
    "command",
    [
        "validate",
        "plan",
        "access",
        "lint",
        "audit",
        "capacity",
        "demo",
        "emulator",
        "import",
        "synth",
        "init",
        "schema",
    ],
)
def test_help_has_no_type_placeholder_on_flags_and_shows_an_example(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout
    assert "<list[str]>" not in result.stdout  # repeatable options name what they take
    assert "Example" in result.stdout


def test_shell_completion_is_offered():
    result = runner.invoke(app, ["--help"])
    assert "--install-completion" in result.stdout
    assert "--show-completion" in result.stdout


def test_aws_text_is_printed_as_it_is_never_as_emoji():
    """`:ram:` in an ARN cut short (`…aws:ram::aws:permission/…`) once printed as 🐏."""
    for console in (out, err):
        with console.capture() as captured:
            console.print("(…aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet)", markup=False)
            console.print("a :smile: b")
        assert captured.get() == (
            "(…aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet)\na :smile: b\n"
        )
