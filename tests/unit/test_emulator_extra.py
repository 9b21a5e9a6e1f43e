"""Without the extra `trainshare[emulator]` (moto), everything but the emulator works, and the
emulator's commands say how to install it."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import EXAMPLE

# moto made unimportable, as on a machine that installed plain `trainshare`
WITHOUT_MOTO = (
    "import sys; sys.modules['moto'] = None; sys.argv = ['trainshare', *sys.argv[1:]]; "
    "from trainshare.cli import main; main()"
)


def trainshare_without_moto(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_MOTO, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_validate_and_plan_need_no_moto():
    assert trainshare_without_moto("validate", str(EXAMPLE)).returncode == 0
    assert trainshare_without_moto("plan", str(EXAMPLE), "-f", "json").returncode == 0


def test_demo_without_moto_names_the_extra(tmp_path):
    result = trainshare_without_moto("demo", str(EXAMPLE), "--html", str(tmp_path / "a.html"))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: the AWS emulator needs moto and its server, which are not installed (moto is "
        "missing) — install them with: pip install 'trainshare[emulator]'"
    )
    assert "Traceback" not in result.stderr
