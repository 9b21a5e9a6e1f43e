"""The HTML access report, in a real headless browser (Debian's chromium; `make test` installs it).

Given the example's report, when it opens, then it shows the matrix; when a cell is clicked, then
the trace of that account × share appears; and the page asks the network for nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import EXAMPLE
from trainshare.access import model_from_spec
from trainshare.access.matrix import access_matrix
from trainshare.report.access import render_html
from trainshare.spec import load_spec

# Flags as used on this machine's closed network (no background networking, no sandbox as root).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    model = model_from_spec(load_spec(EXAMPLE))
    path = tmp_path_factory.mktemp("report") / "access.html"
    path.write_text(render_html(model, access_matrix(model), "ml-platform"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def page(report):
    chromium = shutil.which("chromium")
    assert chromium, (
        "Debian's chromium is required: `make test` installs it (apt-get install chromium)"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri())
        page.requests = requests  # type: ignore[attr-defined]
        yield page
        browser.close()


def test_report_shows_the_matrix_tree_and_shares(page):
    assert page.title() == "trainshare access — ml-platform"
    headers = page.locator("#matrix thead th").all_inner_texts()
    assert headers == [
        "account",
        "gpu-capacity",
        "training-subnet",
        "vision-features",
        "training-data",
        "training-images",
        "vision-models",
    ]
    row = page.locator("#matrix tbody tr", has_text="team-vision").locator("td").all_inner_texts()
    assert row == ["1/2 +1?", "2/3 +1?", "4/4", "6/6", "3/3", "—"]
    assert "ml/training: team-vision, team-nlp" in page.locator("#tree").inner_text()
    assert page.locator("#shares li").count() == 6


def test_clicking_a_cell_reveals_its_trace(page):
    trace = page.locator("#trace")
    assert trace.inner_text() == "Click a cell of the matrix to see why."
    page.locator('td.cell[data-account="team-vision"][data-share="gpu-capacity"]').click()
    text = trace.inner_text()
    assert (
        "ec2:RunInstances on arn:aws:ec2:us-east-1:222222222222:capacity-reservation/"
        "cr-0123456789abcdef0: CONDITIONAL" in text
    )
    assert "✓ share gpu-capacity reaches team-vision through OU ml/training" in text
    assert "depends on ec2:InstanceType" in text


def test_the_page_is_self_contained(page, report):
    assert page.requests == [report.as_uri()]  # type: ignore[attr-defined]


def test_a_policy_share_cell_shows_the_resource_policy_step(page):
    page.locator('td.cell[data-account="team-nlp"][data-share="training-data"]').click()
    text = page.locator("#trace").inner_text()
    assert (
        "✓ the policy of arn:aws:s3:::acme-training-data allows s3:GetObject to team-nlp "
        "(TrainingDataOrgPaths2)" in text
    )
