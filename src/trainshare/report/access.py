"""Access decisions as a matrix table, JSON, CSV, or a self-contained HTML report
(`render_html`, in access_html.py)."""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from trainshare.access import AccessModel, Decision, Effect
from trainshare.access.matrix import Cell
from trainshare.report.access_html import cell_text, render_html
from trainshare.report.fit import fit_line

__all__ = [
    "access_table",
    "cells_to_csv",
    "cells_to_json",
    "decisions_table",
    "explanations_to_json",
    "matrix_table",
    "render_explanations",
    "render_html",
    "shares_table",
]
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
    return cell_text(counts[Effect.ALLOW], sum(counts.values()), counts[Effect.CONDITIONAL])


def _grid_cells(
    model: AccessModel, summary: Mapping[tuple[str, str], Mapping[Effect, int]]
) -> list[list[tuple[str, str]]]:
    """Per account, per share: (text, style) of the matrix cell."""
    rows = []
    for account in model.accounts.values():
        row = []
        for share in model.shares.values():
            counts = summary.get((account.key, share.key))
            if account.key == share.owner:
                row.append(("owner", "dim"))
            elif counts is None:
                row.append(("—", "dim"))
            else:
                row.append(_cell_text(counts))
        rows.append(row)
    return rows


def _table_width(columns: Sequence[Sequence[str]]) -> int:
    """What rich needs for these columns (header first) in its default box: each column's
    widest text plus a space each side, and a border between and around them."""
    return sum(max(map(cell_len, column)) + 3 for column in columns) + 1


def matrix_table(
    model: AccessModel,
    summary: Mapping[tuple[str, str], Mapping[Effect, int]],
    width: int | None = None,
) -> Table | None:
    """Accounts × shares; a cell is allowed/total actions, +N? for conditional ones. `summary`:
    (account key, share) → decisions per effect (`summarize`, `AccessMatrix.summary`).

    Within `width` columns, no name broken: accounts lose their IDs, then the shares are
    numbered, with a key under the table; None if even that is too wide."""
    cells = _grid_cells(model, summary)
    accounts = list(model.accounts.values())
    shares = list(model.shares)
    numbered = [str(n) for n in range(1, len(shares) + 1)]
    for labels, headers in (
        ([a.label for a in accounts], shares),
        ([a.key for a in accounts], shares),
        ([a.key for a in accounts], numbered),
    ):
        columns = [["account", *labels]] + [
            [header, *(row[j][0] for row in cells)] for j, header in enumerate(headers)
        ]
        if width is None or _table_width(columns) <= width:
            break
    else:
        return None
    table = Table(
        title=_wrapped(
            "Effective access: allowed actions / actions granted (+N? conditional)", width
        ),
        title_justify="left",
        caption=(
            _key_lines([f"{n} {key}" for n, key in zip(numbered, shares, strict=True)], width)
            if headers is numbered
            else None
        ),
        caption_justify="left",
    )
    table.add_column("account", no_wrap=True)
    for header in headers:
        table.add_column(header, justify="center", no_wrap=True)
    for label, row in zip(labels, cells, strict=True):
        table.add_row(label, *(f"[{style}]{text}[/]" for text, style in row))
    return table


def _wrapped(text: str, width: int | None) -> str:
    """`text` in lines of at most `width`, broken at spaces only."""
    if width is None:
        return text
    return "\n".join(
        textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]
    )


def _key_lines(items: Sequence[str], width: int | None) -> str:
    """The items two spaces apart, in lines of at most `width` (an item is never split)."""
    lines = [""]
    for item in items:
        joined = f"{lines[-1]}  {item}" if lines[-1] else item
        if lines[-1] and width is not None and cell_len(joined) > width:
            lines.append(item)
        else:
            lines[-1] = joined
    return "\n".join(lines)


# The grid is shown up to this size; beyond it a terminal cannot show it (1,000 shares are 1,000
# columns) and rich takes minutes and gigabytes to lay it out (10,000 accounts × 1,000 shares:
# 110 s, 3.4 GB), so `access_table` gives a row per share instead
GRID_MAX_SHARES = 20
GRID_MAX_ACCOUNTS = 500


def access_table(
    model: AccessModel,
    summary: Mapping[tuple[str, str], Mapping[Effect, int]],
    width: int | None = None,
) -> Table:
    """The accounts × shares grid (`matrix_table`) where it fits on a screen (`width` columns),
    else a row per share (`shares_table`)."""
    if len(model.shares) <= GRID_MAX_SHARES and len(model.accounts) <= GRID_MAX_ACCOUNTS:
        grid = matrix_table(model, summary, width)
        if grid is not None:
            return grid
        return shares_table(model, summary, width, f"do not fit a grid {width} columns wide")
    return shares_table(model, summary, width)


def shares_table(
    model: AccessModel,
    summary: Mapping[tuple[str, str], Mapping[Effect, int]],
    width: int | None = None,
    why: str = "is too large a grid to show",
) -> Table:
    """A row per share: how many accounts it reaches, and its decisions by effect."""
    per_share: dict[str, tuple[int, dict[Effect, int]]] = {}
    for (_, key), counts in summary.items():
        reached, total = per_share.get(key, (0, dict.fromkeys(Effect, 0)))
        for effect, n in counts.items():
            total[effect] += n
        per_share[key] = (reached + 1, total)
    table = Table(
        title=_wrapped(
            f"Effective access per share ({len(model.accounts):,} accounts × "
            f"{len(model.shares):,} shares {why}): decisions by effect; "
            "--share, --account or --action narrow it to single decisions, --format csv|json "
            "and --html give every one",
            width,
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


DECISION_COLUMNS = ("account", "share", "resource", "action", "effect", "depends on")
_EFFECT_COLOURS = {
    Effect.ALLOW: "green",
    Effect.CONDITIONAL: "yellow",
    Effect.DENY: "red",
    Effect.IMPLICIT_DENY: "red",
}


def decisions_table(cells: Sequence[Cell], width: int | None = None) -> Table | Text:
    """One row per decision; where the table would not fit `width` columns, one line per
    decision instead (wrapped at spaces), so that no name is broken."""
    rows = [
        (
            c.account.label,
            c.share,
            c.resource.rsplit(":", 1)[-1],
            c.action,
            c.decision.effect,
            ", ".join(sorted(c.decision.unknown_keys)),
        )
        for c in cells
    ]
    texts = [(a, s, r, act, e.value, k) for a, s, r, act, e, k in rows]
    columns = [[header, *(t[n] for t in texts)] for n, header in enumerate(DECISION_COLUMNS)]
    if width is not None and _table_width(columns) > width:
        lines = ["Decisions: account  share  resource  action: effect (depends on)"]
        for account, share, resource, action, effect, keys in rows:
            line = f"{account}  {share}  {resource}  {action}: {effect.value}"
            lines += fit_line(line + (f" (depends on {keys})" if keys else ""), width)
        return Text("\n".join(lines))
    table = Table(title="Decisions", title_justify="left")
    for column in DECISION_COLUMNS:
        table.add_column(column, no_wrap=True)
    for account, share, resource, action, effect, keys in rows:
        colour = _EFFECT_COLOURS[effect]
        table.add_row(account, share, resource, action, f"[{colour}]{effect.value}[/]", keys)
    return table
