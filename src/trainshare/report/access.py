"""Access decisions as a matrix table, JSON, CSV, or a self-contained HTML report."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from trainshare.access import AccessModel, Decision, Effect
from trainshare.access.matrix import Cell, summarize

_STYLE = {"all": "green", "some": "yellow", "none": "red"}


def cells_to_json(cells: Sequence[Cell]) -> dict[str, Any]:
    return {
        "decisions": [
            {
                "account": c.account.display,
                "account_id": c.account.id,
                "share": c.share,
                "resource": c.resource,
                "action": c.action,
                **c.decision.to_json(),
            }
            for c in cells
        ]
    }


def explanations_to_json(
    account: str, share: str, action: str, decisions: Sequence[tuple[str, Decision]]
) -> dict[str, Any]:
    """`access --explain` as JSON: one decision per resource of the share (ARN, Decision)."""
    return {
        "decisions": [
            {"account": account, "share": share, "resource": arn, "action": action, **d.to_json()}
            for arn, d in decisions
        ]
    }


def render_explanations(
    account: str, share: str, action: str, decisions: Sequence[tuple[str, Decision]]
) -> str:
    """`access --explain` as text: per resource, the question and effect, then the trace."""
    return "\n".join(
        f"{account} → {action} on {arn} (share {share}): {d.effect.value}\n{d.explain()}"
        for arn, d in decisions
    )


def cells_to_csv(cells: Sequence[Cell]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["account", "account_id", "share", "resource", "action", "effect", "unknown_keys", "reason"]
    )
    for c in cells:
        decisive = next(
            (s.text for s in reversed(c.decision.trace) if s.verdict.value in ("fail", "depends")),
            c.decision.trace[-1].text,
        )
        writer.writerow(
            [
                c.account.display,
                c.account.id or "",
                c.share,
                c.resource,
                c.action,
                c.decision.effect.value,
                " ".join(sorted(c.decision.unknown_keys)),
                decisive,
            ]
        )
    return buffer.getvalue()


def _cell_text(counts: Mapping[Effect, int]) -> tuple[str, str]:
    total = sum(counts.values())
    allowed = counts[Effect.ALLOW]
    maybe = counts[Effect.CONDITIONAL]
    text = f"{allowed}/{total}" + (f" +{maybe}?" if maybe else "")
    style = (
        _STYLE["all"]
        if allowed == total
        else _STYLE["some"]
        if allowed or maybe
        else (_STYLE["none"])
    )
    return text, style


def matrix_table(
    model: AccessModel, summary: Mapping[tuple[str, str], Mapping[Effect, int]]
) -> Table:
    """Accounts × shares; a cell is allowed/total actions, +N? for conditional ones. `summary`:
    (account key, share) → decisions per effect (`summarize`, `AccessMatrix.summary`)."""
    table = Table(
        title="Effective access: allowed actions / actions granted (+N? conditional)",
        title_justify="left",
    )
    table.add_column("account", overflow="fold")
    for key in model.shares:
        table.add_column(key, justify="center", overflow="fold")
    for account in model.accounts.values():
        row = [account.label]
        for share in model.shares.values():
            if account.key == share.owner:
                row.append("[dim]owner[/]")
                continue
            counts = summary.get((account.key, share.key))
            if counts is None:
                row.append("[dim]—[/]")
                continue
            text, style = _cell_text(counts)
            row.append(f"[{style}]{text}[/]")
        table.add_row(*row)
    return table


# The grid is shown up to this size; beyond it a terminal cannot show it (1,000 shares are 1,000
# columns) and rich takes minutes and gigabytes to lay it out (10,000 accounts × 1,000 shares:
# 110 s, 3.4 GB), so `access_table` gives a row per share instead
GRID_MAX_SHARES = 20
GRID_MAX_ACCOUNTS = 500


def access_table(
    model: AccessModel, summary: Mapping[tuple[str, str], Mapping[Effect, int]]
) -> Table:
    """The accounts × shares grid (`matrix_table`) where it fits on a screen, else a row per
    share (`shares_table`)."""
    if len(model.shares) <= GRID_MAX_SHARES and len(model.accounts) <= GRID_MAX_ACCOUNTS:
        return matrix_table(model, summary)
    return shares_table(model, summary)


def shares_table(
    model: AccessModel, summary: Mapping[tuple[str, str], Mapping[Effect, int]]
) -> Table:
    """A row per share: how many accounts it reaches, and its decisions by effect."""
    per_share: dict[str, tuple[int, dict[Effect, int]]] = {}
    for (_, key), counts in summary.items():
        reached, total = per_share.get(key, (0, dict.fromkeys(Effect, 0)))
        for effect, n in counts.items():
            total[effect] += n
        per_share[key] = (reached + 1, total)
    table = Table(
        title=(
            f"Effective access per share ({len(model.accounts):,} accounts × "
            f"{len(model.shares):,} shares is too large a grid to show): decisions by effect; "
            "--share, --account or --action narrow it to single decisions, --format csv|json "
            "and --html give every one"
        ),
        title_justify="left",
    )
    for column in ("share", "owner", "accounts reached", "allowed", "conditional", "denied"):
        table.add_column(column, justify="left" if column in ("share", "owner") else "right")
    for key, share in model.shares.items():
        reached, total = per_share.get(key, (0, dict.fromkeys(Effect, 0)))
        denied = total[Effect.DENY] + total[Effect.IMPLICIT_DENY]
        table.add_row(
            key,
            share.owner,
            f"{reached:,}",
            f"[{_STYLE['all']}]{total[Effect.ALLOW]:,}[/]",
            f"[{_STYLE['some']}]{total[Effect.CONDITIONAL]:,}[/]",
            f"[{_STYLE['none']}]{denied:,}[/]" if denied else "0",
        )
    return table


def decisions_table(cells: Sequence[Cell]) -> Table:
    table = Table(title="Decisions", title_justify="left")
    for column in ("account", "share", "resource", "action", "effect", "depends on"):
        table.add_column(column, overflow="fold")
    colours = {
        Effect.ALLOW: "green",
        Effect.CONDITIONAL: "yellow",
        Effect.DENY: "red",
        Effect.IMPLICIT_DENY: "red",
    }
    for c in cells:
        effect = c.decision.effect
        table.add_row(
            c.account.label,
            c.share,
            c.resource.rsplit(":", 1)[-1],
            c.action,
            f"[{colours[effect]}]{effect.value}[/]",
            ", ".join(sorted(c.decision.unknown_keys)),
        )
    return table


def _tree(model: AccessModel) -> list[dict[str, Any]]:
    units = sorted((lv.name, key) for key, lv in model.units.items() if lv.kind == "unit")
    return [
        {
            "path": name,
            "depth": name.count("/"),
            "accounts": [a.label for a in model.accounts.values() if a.unit == key],
            "policies": [p.name for p in model.units[key].policies],
        }
        for name, key in units
    ]


def render_html(model: AccessModel, cells: Sequence[Cell], title: str) -> str:
    """One file, no network: data as JSON in the page, a little vanilla JS to show traces."""
    summary = summarize(cells)
    data = {
        "shares": [
            {
                "key": s.key,
                "owner": s.owner,
                "region": s.region,
                "resources": [r for r, _ in s.resources],
                "principals": [model.unit_name(t) for _, t in s.principals],
            }
            for s in model.shares.values()
        ],
        "tree": _tree(model),
        "root_accounts": [a.label for a in model.accounts.values() if a.unit == "root"],
        "cells": [
            {
                "account": c.account.key,
                "share": c.share,
                "resource": c.resource,
                "action": c.action,
                **c.decision.to_json(),
            }
            for c in cells
        ],
    }
    rows = []
    for account in model.accounts.values():
        tds = [f"<th>{html.escape(account.label)}</th>"]
        for share in model.shares.values():
            counts = summary.get((account.key, share.key))
            if account.key == share.owner:
                tds.append('<td class="na">owner</td>')
            elif counts is None:
                tds.append('<td class="na">—</td>')
            else:
                text, style = _cell_text(counts)
                tds.append(
                    f'<td class="cell {style}" tabindex="0" data-account="'
                    f'{html.escape(account.key)}" data-share="{html.escape(share.key)}">'
                    f"{html.escape(text)}</td>"
                )
        rows.append("<tr>" + "".join(tds) + "</tr>")
    head = "".join(f"<th>{html.escape(s)}</th>" for s in model.shares)
    payload = json.dumps(data).replace("</", "<\\/")
    return _PAGE.format(title=html.escape(title), head=head, rows="\n".join(rows), data=payload)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>trainshare access — {title}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: .35em .7em; text-align: center; }}
th {{ background: #f4f4f4; text-align: left; }}
td.cell {{ cursor: pointer; font-weight: 600; }}
td.green {{ background: #d9f2d9; }} td.yellow {{ background: #fff3c4; }}
td.red {{ background: #f8d4d4; }} td.na {{ color: #999; }}
#trace {{ white-space: pre-wrap; background: #fafafa; border: 1px solid #ddd; padding: 1em;
          min-height: 3em; }}
.tree div {{ margin: .15em 0; }}
</style></head><body>
<h1>Effective access — {title}</h1>
<h2>Organization</h2><div class="tree" id="tree"></div>
<h2>Shares</h2><ul id="shares"></ul>
<h2>Matrix</h2>
<p>Each cell: actions allowed / actions granted by the share (+N? conditional). Click a cell.</p>
<table id="matrix"><thead><tr><th>account</th>{head}</tr></thead>
<tbody>
{rows}
</tbody></table>
<h2>Trace</h2><div id="trace">Click a cell of the matrix to see why.</div>
<script id="data" type="application/json">{data}</script>
<script>
const data = JSON.parse(document.getElementById("data").textContent);
const text = (tag, value) => {{ const e = document.createElement(tag); e.textContent = value;
  return e; }};
const tree = document.getElementById("tree");
tree.appendChild(text("div", "root: " + data.root_accounts.join(", ")));
for (const u of data.tree) {{
  const line = text("div", u.path + (u.accounts.length ? ": " + u.accounts.join(", ") : "")
    + "  [" + u.policies.join(", ") + "]");
  line.style.marginLeft = (1 + u.depth) * 1.5 + "em"; tree.appendChild(line);
}}
const shares = document.getElementById("shares");
for (const s of data.shares) {{
  shares.appendChild(text("li", s.key + " (owner " + s.owner + ", " + s.region + "): "
    + s.resources.join(", ") + " → " + s.principals.join(", ")));
}}
const marks = {{pass: "✓", fail: "✗", depends: "?", note: "·"}};
function show(cell) {{
  const out = [];
  for (const c of data.cells) {{
    if (c.account !== cell.dataset.account || c.share !== cell.dataset.share) continue;
    out.push(c.action + " on " + c.resource + ": " + c.effect);
    for (const s of c.trace) out.push("  " + marks[s.verdict] + " " + s.text);
    if (c.unknown_keys.length) out.push("  depends on " + c.unknown_keys.join(", "));
    out.push("");
  }}
  document.getElementById("trace").textContent = out.join("\\n");
}}
for (const cell of document.querySelectorAll("td.cell")) {{
  cell.addEventListener("click", () => show(cell));
  cell.addEventListener("keydown", (e) => {{ if (e.key === "Enter") show(cell); }});
}}
</script></body></html>
"""
