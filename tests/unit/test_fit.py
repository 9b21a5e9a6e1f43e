"""Output a person reads at 80 columns: no line wider, no name broken mid-word."""

from __future__ import annotations

import pytest
from rich.console import Console

from tests.conftest import EXAMPLE
from trainshare.access import model_from_spec
from trainshare.access.matrix import access_matrix, summarize
from trainshare.report.access import access_table, decisions_table
from trainshare.report.fit import elide, fit_line
from trainshare.spec import load_spec

MODEL = model_from_spec(load_spec(EXAMPLE))
SUMMARY = summarize(access_matrix(MODEL))
ARN = "arn:aws:sagemaker:us-east-1:222222222222:model-package-group/vision-models"


def render(width: int) -> list[str]:
    console = Console(width=width, soft_wrap=True, highlight=False, color_system=None)
    with console.capture() as captured:
        console.print(access_table(MODEL, SUMMARY, width))
    return captured.get().splitlines()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("short line", ["short line"]),
        (
            "  + ResourceShare            demo/share/gpu-capacity  (arn:aws:ram:us-east-1:"
            "222222222222:resource-share/6409aff2-28de-489e-89bd-821632022dad)",
            [
                "  + ResourceShare            demo/share/gpu-capacity",
                "      (arn:aws:ram:…resource-share/6409aff2-28de-489e-89bd-821632022dad)",
            ],
        ),
        (f"  policy of {ARN}", ["  policy of", f"      {ARN}"]),
        (
            "  policy of arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-"
            "1234567890ab",
            ["  policy of arn:aws:kms:…222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
        ),
    ],
)
def test_a_long_line_wraps_at_spaces_and_shortens_only_what_no_line_holds(line, expected):
    assert fit_line(line, 80) == expected
    assert all(len(part) <= 80 for part in fit_line(line, 80))


def test_elide_drops_whole_middle_parts_and_keeps_the_end():
    assert elide(ARN, 40) == "arn:…model-package-group/vision-models"
    assert elide("a" * 50, 9) == "aaaa…aaaa"
    assert elide(ARN, 200) == ARN


@pytest.mark.parametrize("width", [80, 100, 120, 160])
def test_the_matrix_fits_and_keeps_every_name_whole(width):
    lines = render(width)
    assert max(len(line) for line in lines) <= width
    text = "\n".join(lines)
    for share in MODEL.shares:
        assert share in text.split() or f"┃ {share} ┃" in text
    for account in MODEL.accounts:
        assert account in text


def test_at_80_columns_shares_are_numbered_with_a_key_under_the_grid():
    lines = render(80)
    assert lines[0] == "Effective access: allowed actions / actions granted (+N? conditional)"
    assert "┃ account         ┃    1    ┃    2    ┃   3   ┃   4   ┃   5   ┃   6   ┃" in lines
    assert "│ team-vision     │ 2/4 +2? │ 2/3 +1? │  4/4  │  6/6  │  3/3  │   —   │" in lines
    assert lines[-2:] == [
        "1 gpu-capacity  2 training-subnet  3 vision-features  4 training-data",
        "5 training-images  6 vision-models",
    ]


def test_wide_enough_the_grid_names_shares_and_account_ids():
    lines = render(160)
    assert any("shared-services (222222222222)" in line for line in lines)
    assert any("┃ gpu-capacity ┃ training-subnet ┃" in line for line in lines)


def test_too_narrow_for_any_grid_a_row_per_share():
    lines = render(60)
    assert lines[0].startswith("Effective access per share (5 accounts × 6 shares do not fit")
    assert max(len(line) for line in lines) <= 60


def decisions(width: int) -> list[str]:
    cells = [c for c in access_matrix(MODEL) if c.action == "ec2:RunInstances"]
    console = Console(width=width, soft_wrap=True, highlight=False, color_system=None)
    with console.capture() as captured:
        console.print(decisions_table(cells, width))
    return captured.get().splitlines()


def test_narrow_decisions_are_lines_with_every_name_whole():
    lines = decisions(80)
    assert lines[0] == "Decisions: account  share  resource  action: effect (depends on)"
    assert max(len(line) for line in lines) <= 80
    assert lines[1:3] == [
        "team-vision  gpu-capacity  capacity-reservation/cr-0123456789abcdef0",
        "    ec2:RunInstances: CONDITIONAL (depends on ec2:InstanceType)",
    ]


def test_wide_enough_decisions_are_a_table():
    lines = decisions(160)
    assert lines[0] == "Decisions"
    assert any(
        "│ team-vision  │ gpu-capacity    │ capacity-reservation/cr-0123456789abcdef0 │" in line
        for line in lines
    )
