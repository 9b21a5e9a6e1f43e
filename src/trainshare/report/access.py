"""Access decisions as a matrix table, JSON, CSV, or a self-contained HTML report
(`render_html`, in access_html.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from trainshare.access import AccessModel, Decision, Effect
from trainshare.access.matrix import Cell
from trainshare.report.access_html import cell_text, render_html

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
