"""`trainshare init`: a project that validates and runs, and nothing overwritten."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from tests.conftest import EXAMPLE, REPO
from trainshare import __version__
from trainshare.cli import app
from trainshare.scaffold import FILES, ScaffoldError, init_project
from trainshare.scaffold.requirement import installed_requirement, requirement_line
from trainshare.spec import load_spec

runner_ = CliRunner()


def test_init_writes_a_project_whose_spec_validates(tmp_path):
    folder = tmp_path / "my platform"
    written = init_project(folder)
    assert sorted(p.name for p in written) == sorted(FILES)
    spec = load_spec(folder / "trainshare.yaml")
    assert spec.warnings == () and "gpu-capacity" in spec.shares
    assert "name: my-platform\n" in (folder / "Pulumi.yaml").read_text()
    program = (folder / "__main__.py").read_text()
    assert 'OrgSharing(\n    "my-platform", HERE / config.get("spec", "trainshare.yaml")' in program


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path):
    (tmp_path / "trainshare.yaml").write_text("mine")
    with pytest.raises(ScaffoldError, match="already exist"):
        init_project(tmp_path)
    assert (tmp_path / "trainshare.yaml").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trainshare.yaml"]
    result = CliRunner().invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "nothing was written" in result.stderr


def test_pre_commit_hook_validates_spec_files():
    (hook,) = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["entry"], hook["language"]) == (
        "trainshare-validate",
        "trainshare validate",
        "python",
    )
    pattern = re.compile(hook["files"])
    assert pattern.search("trainshare.yaml") and pattern.search("infra/trainshare.yml")
    assert not pattern.search("infra/other.yaml")


@pytest.mark.parametrize(
    ("direct_url", "line"),
    [
        (None, "trainshare==0.2.0"),  # from an index: the pinned version
        ("", "trainshare==0.2.0"),
        ("not json", "trainshare==0.2.0"),
        ('{"dir_info": {}}', "trainshare==0.2.0"),
        (
            '{"url": "file:///w/trainshare-0.2.0-py3-none-any.whl", "archive_info": {}}',
            "trainshare @ file:///w/trainshare-0.2.0-py3-none-any.whl",
        ),
        (
            '{"url": "https://github.com/o/trainshare", "vcs_info": {"vcs": "git", '
            '"commit_id": "4f2a", "requested_revision": "v0.2.0"}}',
            "trainshare @ git+https://github.com/o/trainshare@4f2a",
        ),
        (
            '{"url": "file:///home/me/trainshare", "dir_info": {"editable": true}}',
            "trainshare @ file:///home/me/trainshare",
        ),
    ],
)
def test_the_requirement_installs_the_trainshare_that_wrote_it(direct_url, line):
    assert requirement_line(direct_url, "0.2.0") == line


def test_requirements_txt_pins_the_running_trainshare_and_says_how_to_change_it(tmp_path):
    init_project(tmp_path)
    text = (tmp_path / "requirements.txt").read_text()
    lines = text.splitlines()
    assert lines[-1] == installed_requirement()
    assert f"#   trainshare @ file:///path/to/trainshare-{__version__}-py3-none-any.whl" in lines
    assert f"#   trainshare @ git+https://github.com/YOUR-ORG/trainshare@v{__version__}" in lines
    assert all(line.startswith("#") for line in lines[:-1])


def _hook():
    (hook,) = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())
    return hook


def test_the_hook_passes_several_files_at_once(tmp_path):
    """pre-commit runs `entry` with every matching file as arguments."""
    bad = tmp_path / "trainshare.yaml"
    bad.write_text("version: 1\n")
    args = _hook()["entry"].split()[1:]
    both = runner_.invoke(app, [*args, str(EXAMPLE), str(bad)])
    assert both.exit_code == 1
    assert f"{EXAMPLE}: valid — 4 OU(s)" in both.stdout
    assert f"error: {bad}: 1 error(s); nothing was planned or deployed" in both.stderr
    assert runner_.invoke(app, [*args, str(EXAMPLE), str(EXAMPLE)]).exit_code == 0


def test_several_files_as_json_are_one_document(tmp_path):
    bad = tmp_path / "trainshare.yaml"
    bad.write_text("version: 1\n")
    result = runner_.invoke(app, ["validate", str(EXAMPLE), str(bad), "-f", "json"])
    assert result.exit_code == 1
    files = json.loads(result.stdout)["files"]
    assert [(f["file"], f["valid"]) for f in files] == [(str(EXAMPLE), True), (str(bad), False)]
    assert files[1]["issues"][0]["field"] == "organization"


def test_an_all_files_run_of_the_hook_on_this_repository_passes():
    """What `pre-commit run --all-files` does: the hook's entry on every tracked file its
    `files` pattern matches."""
    hook = _hook()
    listed = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    files = [f for f in listed if re.search(hook["files"], f)]
    assert "examples/ml-platform/trainshare.yaml" in files and len(files) >= 3
    result = CliRunner().invoke(app, [*hook["entry"].split()[1:], *(str(REPO / f) for f in files)])
    assert result.exit_code == 0, result.output
    assert result.stdout.count(": valid — ") == len(files)
