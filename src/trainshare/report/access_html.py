"""The access report as one self-contained HTML file: no network, the data as JSON in the page,
a little vanilla JS to draw the matrix, filter it and answer "why" for any cell.

Made to stay usable at 2,000 accounts × 100 shares: the page carries each trace step's text
once (every string is interned, a cell's trace is a list of numbers), draws the matrix from the
data in pages of rows instead of shipping 200,000 table cells, and opens on the filters and the
matrix (the OU tree and the shares are folded below).

Every cell answers "why": a decided one with its decisions' traces; an owner's or an account
the share does not reach with the same words as `access --explain` (`share_steps`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from trainshare.access import AccessModel, Effect
from trainshare.access.matrix import Cell, summarize
from trainshare.access.statements import Verdict
from trainshare.spec import ROOT

# a grid entry that is not an index into the strings (a cell's "style|text")
NOT_REACHED, OWNER, NO_DECISION = -1, -2, -3
EFFECTS = [e.value for e in Effect]
VERDICTS = [v.value for v in Verdict]


class _Strings:
    """Every distinct string once; the page refers to them by index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found

    def table(self) -> list[str]:
        return list(self.index)


def cell_text(allowed: int, total: int, conditional: int) -> tuple[str, str]:
    """A matrix cell: `allowed/total` (+N? conditional) and its colour."""
    text = f"{allowed}/{total}" + (f" +{conditional}?" if conditional else "")
    style = "green" if allowed == total else "yellow" if allowed or conditional else "red"
    return text, style


def report_data(model: AccessModel, cells: Sequence[Cell]) -> dict[str, Any]:
    """What the page draws: accounts, OUs, shares, the grid of summaries, the decisions."""
    strings = _Strings()
    accounts = list(model.accounts.values())
    account_index = {a.key: i for i, a in enumerate(accounts)}
    shares = list(model.shares.values())
    share_index = {s.key: i for i, s in enumerate(shares)}
    summary = summarize(cells)
    grid = [[NOT_REACHED] * len(shares) for _ in accounts]
    for j, share in enumerate(shares):
        for account in model.reached(share):
            grid[account_index[account.key]][j] = NO_DECISION
        for i, account in enumerate(accounts):
            if account.key == share.owner or (account.id and account.id == share.owner_id):
                grid[i][j] = OWNER
    for (account_key, share_key), counts in summary.items():
        text, style = cell_text(
            counts[Effect.ALLOW], sum(counts.values()), counts[Effect.CONDITIONAL]
        )
        grid[account_index[account_key]][share_index[share_key]] = strings(f"{style}|{text}")
    decisions = []
    for c in cells:
        decision = c.decision
        decisions.append(
            [
                account_index[c.account.key],
                share_index[c.share],
                strings(c.resource),
                strings(c.action),
                EFFECTS.index(decision.effect.value),
                [strings(k) for k in sorted(decision.unknown_keys)],
                [strings(s.text) * 4 + VERDICTS.index(s.verdict.value) for s in decision.trace],
            ]
        )
    units = sorted((lv.name, lv) for lv in model.units.values() if lv.kind == "unit")
    return {
        "accounts": [
            {
                "key": a.key,
                "display": a.display,
                "label": a.label,
                # the OU's path of names; "root", or "" outside the organization
                "unit": model.unit_name(a.unit) if a.unit not in ("", ROOT) else a.unit,
                "external": a.external,
            }
            for a in accounts
        ],
        "units": [{"path": name, "policies": [p.name for p in lv.policies]} for name, lv in units],
        "shares": [
            {
                "key": s.key,
                "owner": s.owner,
                "region": s.region,
                "resources": [r for r, _ in s.resources],
                "principals": [model.principal_name(kind, t) for kind, t in s.principals],
            }
            for s in shares
        ],
        # sparse: per account, [share index, entry, …] for every entry but NOT_REACHED
        "grid": [[x for j, e in enumerate(r) if e != NOT_REACHED for x in (j, e)] for r in grid],
        "cells": decisions,
        "effects": EFFECTS,
        "verdicts": VERDICTS,
        "strings": strings.table(),
    }


def render_html(model: AccessModel, cells: Sequence[Cell], title: str) -> str:
    """One file, no network: the data as JSON in the page, vanilla JS to draw and explain."""
    payload = json.dumps(report_data(model, cells), separators=(",", ":"), ensure_ascii=False)
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _PAGE.replace("{title}", escaped).replace("{data}", payload.replace("</", "<\\/"))


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>trainshare access — {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; margin: 0 0 .5em; }
#filters { display: flex; flex-wrap: wrap; gap: .5em 1.5em; align-items: center; margin: .5em 0; }
#filters label { display: flex; gap: .4em; align-items: center; }
#legend { display: flex; flex-wrap: wrap; gap: .3em 1.2em; margin: .5em 0; color: #444; }
#legend span.swatch { display: inline-block; min-width: 2.6em; text-align: center;
  border: 1px solid #ccc; padding: 0 .3em; margin-right: .3em; font-weight: 600; }
#count { color: #555; }
#scroller { overflow: auto; max-height: 60vh; border: 1px solid #ddd; position: relative;
  z-index: 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ddd; padding: .3em .6em; text-align: center; white-space: nowrap; }
thead th { position: sticky; top: 0; background: #f4f4f4; z-index: 2; }
tbody th { position: sticky; left: 0; background: #fafafa; text-align: left; z-index: 1; }
thead th:first-child { left: 0; z-index: 3; }
td { cursor: pointer; }
td:focus, td.selected { outline: 2px solid #1a5fb4; outline-offset: -2px; }
.green { background: #d9f2d9; } .yellow { background: #fff3c4; } .red { background: #f8d4d4; }
.na { color: #888; }
#more { margin: .5em 0; }
#why { position: sticky; bottom: 0; z-index: 5; background: #fafafa; border: 1px solid #bbb;
  padding: .6em 1em; margin-top: 1em; max-height: 35vh; overflow: auto; }
#why h2 { font-size: 1em; margin: 0 0 .3em; }
#trace { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 13px; }
details { margin: 1em 0; } summary { cursor: pointer; font-weight: 600; }
.tree div { margin: .15em 0; }
</style></head><body>
<h1>Effective access — {title}</h1>
<div id="filters">
  <label>account <input id="f-account" type="search" placeholder="name or ID"></label>
  <label>share <input id="f-share" type="search" placeholder="share name"></label>
  <label>OU <select id="f-unit"><option value="">(any)</option></select></label>
  <span id="count"></span>
</div>
<div id="legend">
  <span><span class="swatch green">3/3</span>every action the share grants is allowed</span>
  <span><span class="swatch yellow">1/2 +1?</span>some allowed; +N? depend on the request
    (an unknown condition key)</span>
  <span><span class="swatch red">0/3</span>none allowed: an SCP denies, or no level allows</span>
  <span><span class="swatch na">owner</span>the account owns the share's resources</span>
  <span><span class="swatch na">—</span>the share does not reach the account</span>
  <span>Click any cell (or Tab to it and press Enter) to see why.</span>
</div>
<div id="scroller"><table id="matrix"><thead><tr id="head"></tr></thead>
<tbody id="rows"></tbody></table></div>
<button id="more" type="button" hidden></button>
<div id="why"><h2>Why</h2><div id="trace">Click a cell of the matrix to see why.</div></div>
<details id="org"><summary>Organization: OUs, their accounts and SCPs</summary>
<div class="tree" id="tree"></div></details>
<details><summary>Shares</summary><ul id="shares"></ul></details>
<script id="data" type="application/json">{data}</script>
<script>
"use strict";
const data = JSON.parse(document.getElementById("data").textContent);
const S = data.strings, PAGE = 100;
const NOT_REACHED = -1, OWNER = -2, NO_DECISION = -3;
const marks = {pass: "✓", fail: "✗", depends: "?", note: "·"};
const el = (tag, text, cls) => { const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
const grid = data.grid.map((pairs) => { const r = new Array(data.shares.length).fill(NOT_REACHED);
  for (let k = 0; k < pairs.length; k += 2) r[pairs[k]] = pairs[k + 1]; return r; });
const byPair = new Map();
for (const c of data.cells) {
  const key = c[0] + "." + c[1];
  if (!byPair.has(key)) byPair.set(key, []);
  byPair.get(key).push(c);
}
const unitSelect = document.getElementById("f-unit");
for (const u of data.units) { const o = el("option", u.path); o.value = u.path;
  unitSelect.appendChild(o); }

function whereabouts(a) {
  if (a.external) return "outside the organization";
  return a.unit === "root" ? "in the root" : "in OU " + a.unit;
}
// The words of `trainshare access --explain` (access/evaluate.py, share_steps)
function explain(i, j) {
  const a = data.accounts[i], s = data.shares[j], entry = grid[i][j];
  if (entry === OWNER) return "✗ " + a.label + " owns this resource: its access comes from its "
    + "own IAM policies, not from share " + s.key;
  if (entry === NOT_REACHED) return "✗ share " + s.key + " does not reach " + a.label
    + ": it is shared with " + s.principals.join(", ") + ", and " + a.display + " is "
    + whereabouts(a);
  const cells = byPair.get(i + "." + j) || [];
  if (!cells.length) return "share " + s.key + " reaches " + a.label
    + "; no action of it was evaluated";
  const out = [];
  for (const c of cells) {
    out.push(S[c[3]] + " on " + S[c[2]] + ": " + data.effects[c[4]]);
    for (const step of c[6]) out.push("  " + marks[data.verdicts[step % 4]] + " "
      + S[Math.floor(step / 4)]);
    if (c[5].length) out.push("  depends on " + c[5].map((k) => S[k]).join(", "));
    out.push("");
  }
  return out.join("\\n");
}
let selected = null;
function show(td) {
  if (selected) selected.classList.remove("selected");
  selected = td; td.classList.add("selected");
  const i = +td.dataset.i, j = +td.dataset.j;
  document.getElementById("trace").textContent = data.accounts[i].label + " × "
    + data.shares[j].key + "\\n" + explain(i, j);
}
function inUnit(a, unit) {
  return !unit || a.unit === unit || a.unit.startsWith(unit + "/");
}
let visibleRows = [], visibleCols = [], shown = 0;
function draw() {
  const qa = document.getElementById("f-account").value.trim().toLowerCase();
  const qs = document.getElementById("f-share").value.trim().toLowerCase();
  const unit = unitSelect.value;
  visibleCols = data.shares.map((s, j) => j).filter((j) =>
    data.shares[j].key.toLowerCase().includes(qs));
  visibleRows = data.accounts.map((a, i) => i).filter((i) => {
    const a = data.accounts[i];
    return a.label.toLowerCase().includes(qa) && inUnit(a, unit);
  });
  const head = document.getElementById("head");
  head.replaceChildren(el("th", "account"));
  for (const j of visibleCols) head.appendChild(el("th", data.shares[j].key));
  document.getElementById("rows").replaceChildren();
  shown = 0; more();
}
function row(i) {
  const tr = el("tr"); tr.appendChild(el("th", data.accounts[i].label));
  for (const j of visibleCols) {
    const entry = grid[i][j];
    let td;
    if (entry === OWNER) td = el("td", "owner", "na");
    else if (entry === NOT_REACHED || entry === NO_DECISION) td = el("td", "—", "na");
    else { const [style, text] = S[entry].split("|"); td = el("td", text, "cell " + style); }
    td.tabIndex = 0; td.dataset.i = i; td.dataset.j = j;
    td.dataset.account = data.accounts[i].key; td.dataset.share = data.shares[j].key;
    tr.appendChild(td);
  }
  return tr;
}
function more() {
  const body = document.getElementById("rows"), upto = Math.min(shown + PAGE, visibleRows.length);
  const frag = document.createDocumentFragment();
  for (; shown < upto; shown++) frag.appendChild(row(visibleRows[shown]));
  body.appendChild(frag);
  const left = visibleRows.length - shown, button = document.getElementById("more");
  button.hidden = left === 0;
  button.textContent = "show " + Math.min(left, PAGE) + " more accounts (" + left + " left)";
  document.getElementById("count").textContent = visibleRows.length + " of "
    + data.accounts.length + " accounts × " + visibleCols.length + " of " + data.shares.length
    + " shares";
}
const rows = document.getElementById("rows");
rows.addEventListener("click", (e) => { const td = e.target.closest("td"); if (td) show(td); });
rows.addEventListener("keydown", (e) => {
  const td = e.target.closest("td"); if (td && e.key === "Enter") show(td); });
document.getElementById("more").addEventListener("click", more);
for (const id of ["f-account", "f-share"]) {
  document.getElementById(id).addEventListener("input", draw);
}
unitSelect.addEventListener("change", draw);
draw();
// folded below the matrix: the OU tree (accounts, SCPs) and the shares
{
  const tree = document.getElementById("tree");
  const members = new Map();
  for (const a of data.accounts) {
    if (!members.has(a.unit)) members.set(a.unit, []); members.get(a.unit).push(a.label);
  }
  tree.appendChild(el("div", "root: " + (members.get("root") || []).join(", ")));
  for (const u of data.units) {
    const line = el("div", u.path + ((members.get(u.path) || []).length ? ": "
      + members.get(u.path).join(", ") : "") + "  [" + u.policies.join(", ") + "]");
    line.style.marginLeft = 1.5 * u.path.split("/").length + "em";
    tree.appendChild(line);
  }
}
const shares = document.getElementById("shares");
for (const s of data.shares) {
  shares.appendChild(el("li", s.key + " (owner " + s.owner + ", " + s.region + "): "
    + s.resources.join(", ") + " → " + s.principals.join(", ")));
}
</script></body></html>
"""
