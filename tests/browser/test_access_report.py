"""The HTML access report, in a real headless browser (Debian's chromium; `make test` installs it).

Given the example's report, when it opens, then it shows the legend, the filters and the matrix;
when any cell is clicked — allowed, denied, not reached or the owner's — then "why" appears in
the words of `access --explain`; the filters narrow accounts, shares and OUs; and the page asks
the network for nothing. Given 2,000 accounts × 100 shares, the page stays small and opening it
draws one page of rows, not the whole matrix.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import EXAMPLE
from trainshare.access import model_from_spec
from trainshare.access.evaluate import share_steps
from trainshare.access.matrix import access_matrix
from trainshare.report.access import render_html
from trainshare.spec import load_spec
from trainshare.synth import SynthParams, write_synthetic

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
MODEL = model_from_spec(load_spec(EXAMPLE))
# Counts the elements the page's script makes (they are all made by document.createElement).
COUNT_CREATED = """
window.createdElements = 0;
const create = Document.prototype.createElement;
Document.prototype.createElement = function (...args) {
  window.createdElements++;
  return create.apply(this, args);
};
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "access.html"
    path.write_text(render_html(MODEL, access_matrix(MODEL), "ml-platform"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    assert chromium, (
        "Debian's chromium is required: `make test` installs it (apt-get install chromium)"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, report):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.as_uri())
    page.requests = requests  # type: ignore[attr-defined]
    yield page
    page.close()


def row_texts(page, account: str) -> list[str]:
    return page.locator(f'#matrix tbody td[data-account="{account}"]').all_inner_texts()


def why(page, account: str, share: str) -> str:
    page.locator(f'td[data-account="{account}"][data-share="{share}"]').click()
    return page.locator("#trace").inner_text()


def test_report_opens_on_the_legend_filters_and_matrix(page):
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
    assert row_texts(page, "team-vision") == ["2/4 +2?", "2/3 +1?", "4/4", "6/6", "3/3", "—"]
    assert row_texts(page, "shared-services") == ["owner"] * 6
    legend = page.locator("#legend").inner_text()
    for words in (
        "every action the share grants is allowed",
        "some allowed; +N? depend on the request",
        "none allowed: an SCP denies, or no level allows",
        "the account owns the share's resources",
        "the share does not reach the account",
    ):
        assert words in legend
    assert page.locator("#count").inner_text() == "5 of 5 accounts × 6 of 6 shares"


def test_the_tree_and_shares_are_folded_below(page):
    assert not page.locator("#tree").is_visible()
    page.locator("#org summary").click()
    assert "ml/training: team-vision, team-nlp" in page.locator("#tree").inner_text()
    assert page.locator("#shares li").count() == 6


def test_clicking_a_cell_reveals_its_trace(page):
    assert page.locator("#trace").inner_text() == "Click a cell of the matrix to see why."
    text = why(page, "team-vision", "gpu-capacity")
    assert (
        "ec2:RunInstances on arn:aws:ec2:us-east-1:222222222222:capacity-reservation/"
        "cr-0123456789abcdef0: CONDITIONAL" in text
    )
    assert "✓ share gpu-capacity reaches team-vision through OU ml/training" in text
    assert "depends on ec2:InstanceType" in text


@pytest.mark.parametrize(
    ("account", "share"),
    [("research-lab", "gpu-capacity"), ("shared-services", "training-data")],
)
def test_a_cell_with_no_decision_says_why_in_the_words_of_explain(page, account, share):
    """Why can't research-lab use gpu-capacity? The same sentence `access --explain` gives."""
    model_share = MODEL.shares[share]
    steps, _ = share_steps(
        MODEL, model_share, model_share.resources[0][1], MODEL.accounts[account], "ec2:RunInstances"
    )
    label = MODEL.accounts[account].label
    assert why(page, account, share) == f"{label} × {share}\n{steps[0].render()}"


def test_research_lab_and_gpu_capacity(page):
    assert why(page, "research-lab", "gpu-capacity") == (
        "research-lab × gpu-capacity\n✗ share gpu-capacity does not reach research-lab: it is "
        "shared with ml/training, and research-lab is in OU ml/research"
    )


def test_a_denied_cell_is_clickable_with_the_keyboard(page):
    cell = page.locator('td[data-account="research-lab"][data-share="vision-features"]')
    cell.focus()
    page.keyboard.press("Enter")
    assert "does not reach research-lab" in page.locator("#trace").inner_text()


def test_filters_narrow_accounts_shares_and_ous(page):
    page.locator("#f-account").fill("team")
    accounts = page.locator("#matrix tbody th").all_inner_texts()
    assert accounts == ["team-vision", "team-nlp"]
    page.locator("#f-account").fill("")
    page.locator("#f-unit").select_option("ml/research")
    assert page.locator("#matrix tbody th").all_inner_texts() == ["research-lab"]
    page.locator("#f-unit").select_option("ml")
    assert page.locator("#matrix tbody th").all_inner_texts() == [
        "team-vision",
        "team-nlp",
        "research-lab",
    ]
    page.locator("#f-share").fill("training")
    assert page.locator("#matrix thead th").all_inner_texts() == [
        "account",
        "training-subnet",
        "training-data",
        "training-images",
    ]
    assert page.locator("#count").inner_text() == "3 of 5 accounts × 3 of 6 shares"


def test_the_page_is_self_contained(page, report):
    assert page.requests == [report.as_uri()]  # type: ignore[attr-defined]


def test_a_policy_share_cell_shows_the_resource_policy_step(page):
    assert (
        "✓ the policy of arn:aws:s3:::acme-training-data allows s3:GetObject to team-nlp "
        "(TrainingDataOrgPaths2)" in why(page, "team-nlp", "training-data")
    )


def test_2000_accounts_by_100_shares_stay_small_and_open_one_page_of_rows(browser, tmp_path):
    spec = write_synthetic(tmp_path / "org", SynthParams(accounts=2000, units=200, shares=100))
    model = model_from_spec(load_spec(spec))
    path = tmp_path / "access.html"
    path.write_text(render_html(model, access_matrix(model), "2000x100"), encoding="utf-8")
    size = path.stat().st_size
    assert size < 3_000_000, f"{size:,} bytes"  # was 23 MB with a table cell per pair
    page = browser.new_page()
    page.add_init_script(COUNT_CREATED)
    page.goto(path.as_uri())
    # Opening draws one page of rows: 100 accounts × (100 shares + the name), the header and
    # filters' few hundred more; every element made on the way is counted, kept or not. The
    # whole matrix would be 2,001 × 101 (what made the page slow to open).
    created = page.evaluate("window.createdElements")
    elements = page.evaluate("document.getElementsByTagName('*').length")
    assert created <= 100 * 101 + 1_000, f"{created:,} elements made while opening"
    assert elements <= created + 100, f"{elements:,} elements in the page"
    assert page.locator("#matrix tbody tr").count() == 100  # drawn a page of rows at a time
    assert page.locator("#count").inner_text() == "2001 of 2001 accounts × 100 of 100 shares"
    page.locator("#more").click()
    assert page.locator("#matrix tbody tr").count() == 200
    last = list(model.accounts.values())[-1]  # far beyond the first page
    page.locator("#f-account").fill(last.label)
    assert page.locator("#matrix tbody th").all_inner_texts() == [last.label]
    page.locator("#matrix tbody td").first.click()
    assert page.locator("#trace").inner_text().startswith(f"{last.label} × ")
    page.close()
