"""AWS's own published policies (tests/data/published, MIT-0): the linter raises no false error
on them, and reports exactly their real defects (issue #23). See index.yaml for each file's
source and what it exercises."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from trainshare.policy.lint import PolicyKind, lint_text

CORPUS = Path(__file__).parents[1] / "data" / "published"
INDEX = YAML(typ="safe", pure=True).load((CORPUS / "index.yaml").read_text(encoding="utf-8"))


def _lint(name: str) -> list[tuple[str, str]]:
    entry = INDEX["files"][name]
    text = (CORPUS / name).read_text(encoding="utf-8")
    for placeholder, value in INDEX["placeholders"].items():
        text = text.replace(placeholder, str(value))
    if entry["type"] == "rcp":
        found = lint_text(text, PolicyKind.RCP, name)
    else:
        found = lint_text(text, PolicyKind(entry["type"]), name)
    return [(f.code, f.render()) for f in found]


@pytest.mark.parametrize("name", list(INDEX["files"]))
def test_a_published_policy_has_exactly_its_real_defects(name):
    found = _lint(name)
    assert [code for code, _ in found] == INDEX["files"][name]["expect"], found


def test_every_file_of_the_corpus_is_indexed_with_its_source():
    files = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.json")}
    assert files == set(INDEX["files"])
    for entry in INDEX["files"].values():
        assert entry["type"] in ("scp", "rcp", "resource")
    assert {name.split("/")[0] for name in files} == set(INDEX["sources"])


def test_the_lambda_guardrail_names_the_actions_that_escape_it():
    ((code, text),) = _lint("scpx/Deny-modification-to-Lambda-URL-Config.json")
    assert code == "RESOURCE_NEVER_MATCHES"
    assert (
        "no Resource pattern can name a resource of lambda:CreateFunctionUrlConfig (takes "
        "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}); "
        "lambda:UpdateFunctionUrlConfig (takes "
        "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}) — the Deny does "
        "nothing for them"
    ) in text
