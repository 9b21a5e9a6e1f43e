"""`trainshare diff git:REV:PATH …` in a Git repository the test creates: the spec and the files
it names are read as committed, not as they are in the working tree; bad references are errors
naming what is wrong; and the CI step in examples/ci posts the Markdown when something changes.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE, REPO
from trainshare.cli import app

runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1", "CI": "1"})
OWNER_FILE = "infra/policies/training-data-owner.json"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
    )


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository with the example under infra/, committed; the current directory."""
    shutil.copy(EXAMPLE, tmp_path / "infra.yaml")  # a decoy at the top, never read
    (tmp_path / "infra").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "infra" / "trainshare.yaml")
    shutil.copytree(EXAMPLE.parent / "policies", tmp_path / "infra" / "policies")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "the platform")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def diff(*args: str):
    return runner.invoke(app, ["diff", *args])


def test_the_committed_spec_against_itself_changes_nothing(repo):
    result = diff("git:HEAD:infra/trainshare.yaml", "infra/trainshare.yaml")
    assert result.exit_code == 0, result.output


def test_files_the_spec_names_are_read_from_the_commit(repo):
    """The working tree's owner statements change: the committed spec reads the committed
    file (a change against the working tree), not the working tree's (no change)."""
    owner = repo / OWNER_FILE
    owner.write_text(owner.read_text().replace('"false"', '"False"'))
    result = diff("git:HEAD:infra/trainshare.yaml", "infra/trainshare.yaml", "-f", "json")
    assert result.exit_code == 3, result.output
    assert "policy/s3/222222222222/us-east-1/acme-training-data" in result.stdout
    git(repo, "commit", "-q", "-am", "owner statements")
    same = diff("git:HEAD:infra/trainshare.yaml", "git:HEAD:infra/trainshare.yaml")
    assert same.exit_code == 0
    moved = diff("git:HEAD~1:infra/trainshare.yaml", "git:HEAD:infra/trainshare.yaml")
    assert moved.exit_code == 3


def test_a_file_named_outside_the_repository_is_refused_not_read_from_the_temp_folder(repo):
    """Relative to the temporary copy, ../x would read whatever lies beside it (anyone's)."""
    spec = repo / "infra" / "trainshare.yaml"
    spec.write_text(
        spec.read_text().replace(OWNER_FILE.removeprefix("infra/"), "../../planted.json")
    )
    git(repo, "commit", "-q", "-am", "a file outside")
    result = diff("git:HEAD:infra/trainshare.yaml", "git:HEAD~1:infra/trainshare.yaml")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: git:HEAD:infra/trainshare.yaml: the spec names ../../planted.json, outside the "
        "repository; git: reads only the revision's own files"
    )


def test_a_path_from_the_current_directory(repo, monkeypatch):
    spec = repo / "infra" / "trainshare.yaml"
    spec.write_text(spec.read_text().replace("principals: [ml/research]", "principals: [ml]"))
    monkeypatch.chdir(repo / "infra")
    result = diff("git:main:./trainshare.yaml", "trainshare.yaml")
    assert result.exit_code == 3, result.output
    assert "SHARE_WIDENED" in result.stdout


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (
            "git:HEAD",
            "error: git:HEAD: write git:REV:PATH, e.g. git:origin/main:trainshare.yaml (PATH "
            "from the repository's top, or ./PATH from the current directory)",
        ),
        (
            "git:no-such-branch:infra/trainshare.yaml",
            "error: git:no-such-branch:infra/trainshare.yaml: cannot find revision "
            "'no-such-branch' (fetch it, or check its name)",
        ),
        (
            "git:HEAD:trainshare.yaml",
            "error: git:HEAD:trainshare.yaml: trainshare.yaml is not a file of HEAD (PATH is "
            "from the repository's top; ./PATH from the current directory)",
        ),
        (
            "git:HEAD:../outside.yaml",
            "error: git:HEAD:../outside.yaml: ../outside.yaml is outside the repository",
        ),
    ],
)
def test_a_bad_git_reference_exits_1_saying_what_is_wrong(repo, ref, message):
    result = diff(ref, "infra/trainshare.yaml")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == message


def test_outside_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    result = diff("git:HEAD:trainshare.yaml", "trainshare.yaml")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: git:HEAD:trainshare.yaml: cannot find a Git repository here (git: fatal: not a "
        "git repository"
    )


def test_errors_in_a_committed_spec_name_the_commit(repo):
    spec = repo / "infra" / "trainshare.yaml"
    spec.write_text(spec.read_text().replace("unit: ml/research}", "unit: ml/reserch}"))
    git(repo, "commit", "-q", "-am", "a typo")
    result = diff("git:HEAD:infra/trainshare.yaml", "git:HEAD~1:infra/trainshare.yaml")
    assert result.exit_code == 1
    line = (
        spec.read_text()
        .splitlines()
        .index(next(x for x in spec.read_text().splitlines() if "unit: ml/reserch}" in x))
    )
    assert result.stderr.startswith(
        f"git:HEAD:infra/trainshare.yaml:{line + 1}: accounts.research-lab"
    )


# A fake `gh`: `api …/comments` answers FAKE_GH_FOUND (the ids its --jq selects), `api -X PATCH`
# and `pr comment` keep the body they send (as patched-ID.md / posted.md); FAKE_GH_DENY makes
# every write fail, as a fork's read-only token does. Each call is logged.
FAKE_GH = """\
import json, os, shutil, sys
args = sys.argv[1:]
out = os.environ["FAKE_GH_DIR"]
with open(os.path.join(out, "calls.log"), "a") as log:
    log.write(json.dumps(args) + "\\n")
if args[:1] == ["api"] and "PATCH" not in args:
    sys.stdout.write(os.environ.get("FAKE_GH_FOUND", ""))
    sys.exit(0)
if os.environ.get("FAKE_GH_DENY"):
    sys.stderr.write("HTTP 403: Resource not accessible by integration")
    sys.exit(1)
if "PATCH" in args:
    body = next(a for a in args if a.startswith("body=@"))[len("body=@"):]
    shutil.copy(body, os.path.join(out, "patched-" + args[3].rsplit("/", 1)[1] + ".md"))
else:
    shutil.copy(args[args.index("--body-file") + 1], os.path.join(out, "posted.md"))
"""
MARKER = "<!-- trainshare-diff: infra/trainshare.yaml -->"


@pytest.fixture
def ci_step(repo, tmp_path_factory):
    """examples/ci/trainshare-diff.sh with `trainshare` and a fake `gh` on PATH: run(**env)
    gives (completed process, calls, the folder the fake writes to)."""
    bin_dir = tmp_path_factory.mktemp("bin")
    gh = bin_dir / "gh"
    gh.write_text(f"#!{sys.executable}\n{FAKE_GH}")
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    trainshare = Path(shutil.which("trainshare") or REPO / ".venv" / "bin" / "trainshare")
    script = REPO / "examples" / "ci" / "trainshare-diff.sh"

    def run(**extra: str):
        out = tmp_path_factory.mktemp("gh")
        env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{trainshare.parent}{os.pathsep}{os.environ['PATH']}",
            "PR_NUMBER": "7",
            "BASE_REF": "main",
            "SPEC": "infra/trainshare.yaml",
            "CI": "1",
            "FAKE_GH_DIR": str(out),
            **extra,
        }
        done = subprocess.run(
            ["sh", str(script)], cwd=repo, env=env, capture_output=True, text=True, check=False
        )
        log = out / "calls.log"
        calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        return done, calls, out

    return run


def _change(repo: Path) -> None:
    spec = repo / "infra" / "trainshare.yaml"
    spec.write_text(spec.read_text().replace("principals: [ml/research]", "principals: [ml]"))


def test_the_ci_step_posts_the_markdown_when_something_changes(repo, ci_step):
    same, calls, _ = ci_step()
    assert (same.returncode, calls) == (0, []), same.stderr
    _change(repo)
    changed, calls, out = ci_step()
    assert changed.returncode == 0, changed.stderr
    # no comment of its own yet: it looks, then posts one
    assert [c[:2] for c in calls] == [
        ["api", "repos/{owner}/{repo}/issues/7/comments"],
        ["pr", "comment"],
    ]
    posted = (out / "posted.md").read_text()
    assert posted.startswith(
        "### trainshare diff: `git:main:infra/trainshare.yaml` → `infra/trainshare.yaml`"
    )
    assert posted.endswith("\n" + MARKER)
    spec = repo / "infra" / "trainshare.yaml"
    spec.write_text(spec.read_text().replace("version: 1", "version: 9"))
    failed, _, _ = ci_step()
    assert failed.returncode == 1


def test_the_ci_step_updates_its_own_comment_and_no_other(repo, ci_step):
    """F9: `gh pr comment --edit-last` edited the bot's last comment, whichever workflow
    posted it. The step edits the comment that ends with its marker (the last, if several)."""
    _change(repo)
    done, calls, out = ci_step(FAKE_GH_FOUND="101\n202\n")
    assert done.returncode == 0, done.stderr
    assert calls[0][-2:] == ["--jq", f'.[] | select(.body | endswith("{MARKER}")) | .id']
    assert calls[1][:4] == ["api", "-X", "PATCH", "repos/{owner}/{repo}/issues/comments/202"]
    assert len(calls) == 2 and not (out / "posted.md").exists()
    assert (out / "patched-202.md").read_text().endswith(MARKER)


def test_where_the_token_cannot_comment_the_diff_goes_to_the_job_summary(repo, ci_step, tmp_path):
    """A pull request from a fork gets a read-only token: the step still shows the diff."""
    _change(repo)
    summary = tmp_path / "summary.md"
    done, _, _ = ci_step(FAKE_GH_DENY="1", GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == 0, done.stderr
    assert summary.read_text().startswith("### trainshare diff:")
    assert "cannot comment on pull request 7 (a fork's read-only token?)" in done.stderr
    denied, _, _ = ci_step(FAKE_GH_DENY="1")  # not in GitHub Actions: nowhere to put it
    assert denied.returncode == 1
