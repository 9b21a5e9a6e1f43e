"""`trainshare diff`: text for a terminal, JSON for machines, Markdown for a pull request.

Each starts with the summary (what changes, how many accounts, the risk flags), then the
sections: access (who gains or loses what, one line per group of accounts moving together,
with the reason on each side), guardrails (per OU, account and the root), shared capacity
(what reservations are stated to be and who pays, when that changes), resources (what
`pulumi up` does, as `plan --against` shows it). The Markdown folds each section in a
`<details>` block and stays under the size of a GitHub comment (MARKDOWN_MAX characters).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from trainshare.access.statements import Effect
from trainshare.diff import AccessChange, GuardrailChange, SpecDiff
from trainshare.diff.guardrails import GuardrailAction
from trainshare.findings import Finding
from trainshare.report.changes import changes_to_json, render_changes

# GitHub refuses a comment over 65,536 characters; leave room for what CI adds around it
MARKDOWN_MAX = 60_000
REASONS_SHOWN = 2  # reasons per side in text and Markdown; JSON has each
SAMPLED = (
    "(too many decisions change to trace each OU's: a change's reasons are traced for one of "
    "its accounts, named; `trainshare access --explain` traces any other)"
)

_ACTIONS = {
    GuardrailAction.ATTACHED: "+",
    GuardrailAction.DETACHED: "-",
    GuardrailAction.CHANGED: "~",
    GuardrailAction.RENAMED: "→",
}


def _effect(effect: Effect, keys: frozenset[str]) -> str:
    return f"{effect} (on {', '.join(sorted(keys))})" if keys else str(effect)


def _short_arn(arn: str) -> str:
    tail = arn.rsplit(":", 1)[-1]
    return tail.rsplit("/", 1)[-1] if "/" in tail else tail


def summary(diff: SpecDiff) -> str:
    access = diff.access
    gained = {a.key for c in access.changes if c.gained for a in c.accounts}
    lost = {a.key for c in access.changes if c.lost for a in c.accounts}
    parts = [
        f"{len(diff.resources.changes)} resource change(s)",
        f"{len(diff.guardrails)} guardrail change(s)",
        f"{access.cells:,} access decision(s) change for {access.accounts:,} account(s) "
        f"({len(gained):,} gain, {len(lost):,} lose)",
        f"{len(diff.risks)} risk flag(s)",
    ]
    if diff.capacity:
        parts.insert(3, f"{len(diff.capacity)} capacity change(s)")
    return "; ".join(parts)


def access_line(change: AccessChange) -> str:
    actions = ", ".join(change.actions)
    on = ""
    if not change.all_resources:
        on = f" on {', '.join(_short_arn(r) for r in change.resources)}"
    return (
        f"{change.where}: {change.share} {actions}{on} "
        f"{_effect(change.before, change.keys_before)} → "
        f"{_effect(change.after, change.keys_after)}"
    )


def reasons(change: AccessChange) -> list[tuple[str, str]]:
    """("before"/"after", reason) lines: each side's distinct reasons, REASONS_SHOWN at most."""
    out = []
    for side in ("before", "after"):
        texts = list(dict.fromkeys(getattr(b, side).reason for b in change.reasons))
        out += [(side, text) for text in texts[:REASONS_SHOWN]]
        if len(texts) > REASONS_SHOWN:
            out.append((side, f"… and {len(texts) - REASONS_SHOWN} more (-f json lists each)"))
    return out


def guardrail_lines(changes: Iterable[GuardrailChange]) -> list[str]:
    """Per target: one line per guardrail attached, detached, changed or renamed, then what
    changes in its document."""
    by_target: dict[str, list[GuardrailChange]] = {}
    for change in changes:
        by_target.setdefault(change.where, []).append(change)
    lines = []
    for where, found in by_target.items():
        lines.append(f"  {where}")
        for change in found:
            head = (
                f"    {_ACTIONS[change.action]} {change.guardrail} [{change.type}] {change.action}"
            )
            if change.former:
                head += f" (was {change.former})"
            if change.size is not None and change.limit:
                was = f"{change.size_before:,} → " if change.size_before is not None else ""
                head += f", {was}{change.size:,} / {change.limit:,} chars"
                if change.size > change.limit:
                    head += " OVER THE LIMIT"
            lines.append(head)
            lines += [f"        {item.render()}" for item in change.document]
    return lines


def resource_lines(diff: SpecDiff) -> list[str]:
    """What `plan --against` says, indented, without its title: the protected resources that
    stop `pulumi up` first, then each change."""
    _, *body = render_changes(diff.resources, diff.old, diff.new, documents=True).splitlines()
    lines = [f"  {line}" if line and not line.startswith("  ") else line for line in body]
    return [line for line in lines if line]


def render_diff(diff: SpecDiff) -> str:
    lines = [f"Changes from {diff.old} to {diff.new}: {summary(diff)}", ""]
    if diff.risks:
        lines.append("Risk flags")
        lines += [f"  {flag.render()}" for flag in diff.risks]
        lines.append("")
    lines.append("Access (who gains or loses what)")
    if not diff.access.changes:
        lines.append("  no decision changes")
    if diff.access.sampled:
        lines.append(f"  {SAMPLED}")
    for change in diff.access.changes:
        lines.append(f"  {access_line(change)}")
        lines += [f"      {side}: {text}" for side, text in reasons(change)]
    lines += ["", "Guardrails"]
    lines += guardrail_lines(diff.guardrails) or ["  no guardrail changes"]
    if diff.capacity:
        lines += ["", "Shared capacity (what reservations are, who pays)"]
        lines += [f"  {change.render()}" for change in diff.capacity]
    lines += ["", "Resources (what pulumi up does)"]
    lines += resource_lines(diff) or ["  no resource changes"]
    return "\n".join(lines).rstrip() + "\n"


def _side_json(side: Any) -> dict[str, Any]:
    return {
        "effect": str(side.effect),
        "unknown_keys": sorted(side.unknown_keys),
        "reason": side.reason,
        "account": side.account,
        "decision": side.decision.to_json() if side.decision is not None else None,
    }


def diff_to_json(diff: SpecDiff) -> dict[str, Any]:
    return {
        "old": diff.old,
        "new": diff.new,
        "changed": diff.changed,
        "summary": {
            "resources": len(diff.resources.changes),
            "guardrails": len(diff.guardrails),
            "access_changes": len(diff.access.changes),
            "access_decisions": diff.access.cells,
            "accounts": diff.access.accounts,
            "risks": len(diff.risks),
            "capacity": len(diff.capacity),
            "reasons_sampled": diff.access.sampled,
        },
        "risks": [_risk_json(flag) for flag in diff.risks],
        "access": [
            {
                "share": c.share,
                "where": c.where,
                "accounts": [a.key for a in c.accounts],
                "before": _effect(c.before, c.keys_before),
                "after": _effect(c.after, c.keys_after),
                "actions": list(c.actions),
                "resources": list(c.resources),
                "decisions": c.cells,
                "reasons": [
                    {
                        "cells": [{"resource": r, "action": a} for r, a in b.cells],
                        "before": _side_json(b.before),
                        "after": _side_json(b.after),
                    }
                    for b in c.reasons
                ],
            }
            for c in diff.access.changes
        ],
        "guardrails": [
            {
                "target": g.target,
                "target_kind": g.target_kind,
                "guardrail": g.guardrail,
                "type": g.type,
                "action": str(g.action),
                "former": g.former,
                "size": g.size,
                "size_before": g.size_before,
                "limit": g.limit,
                "document": [item.to_json() for item in g.document],
            }
            for g in diff.guardrails
        ],
        "capacity": [
            {
                "share": c.share,
                "resource": c.resource or None,
                "field": c.field,
                "before": c.before,
                "after": c.after,
                "note": c.note,
            }
            for c in diff.capacity
        ],
        "resources": changes_to_json(diff.resources)["changes"],
    }


# -- Markdown ------------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Text inside a Markdown table cell or list item: pipes and angle brackets escaped."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _fenced(lines: list[str]) -> list[str]:
    body = "\n".join(lines).replace("```", "`\u200b``")
    return ["```text", body, "```"]


RISK_TOP = 20  # risk flags listed in a Markdown comment


def render_markdown(diff: SpecDiff, top: int = 10) -> str:
    """Summary first (counts, risk flags, the largest access changes), then each section folded;
    cut to MARKDOWN_MAX characters, saying so."""
    title = "no change" if not diff.changed else summary(diff)
    head = [f"### trainshare diff: `{_md(diff.old)}` → `{_md(diff.new)}`", "", title, ""]
    if diff.risks:
        head.append(f"**Risk flags ({len(diff.risks)})**")
        head.append("")
        # the first RISK_TOP, errors first: 600 flags of one moved OU would overflow a comment
        ranked = sorted(diff.risks, key=lambda f: f.severity != "error")
        for flag in ranked[:RISK_TOP]:
            icon = "🛑" if flag.severity == "error" else "⚠️"
            head.append(f"- {icon} **{flag.code}** {_md(flag.location.path)}: {_md(flag.message)}")
        if len(ranked) > RISK_TOP:
            counts = Counter(f.code for f in ranked[RISK_TOP:])
            more = ", ".join(f"{n} {code}" for code, n in sorted(counts.items()))
            head.append(
                f"- … and {len(ranked) - RISK_TOP} more ({more}): `trainshare diff` lists them"
            )
        head.append("")
    changes = sorted(diff.access.changes, key=lambda c: (-c.cells, c.share, c.where))
    if changes:
        head += ["| accounts | share | actions | before | after |", "|---|---|---|---|---|"]
        for c in changes[:top]:
            actions = ", ".join(c.actions[:3]) + (
                f" (+{len(c.actions) - 3})" if len(c.actions) > 3 else ""
            )
            head.append(
                f"| {_md(c.where)} | {_md(c.share)} | {_md(actions)} | "
                f"{_md(_effect(c.before, c.keys_before))} | {_md(_effect(c.after, c.keys_after))} |"
            )
        if len(changes) > top:
            head.append(f"\n{len(changes) - top} more access change(s) below.")
        head.append("")
    sections: list[tuple[str, list[str]]] = []
    if diff.access.changes:
        body = [SAMPLED] if diff.access.sampled else []
        for change in diff.access.changes:
            body.append(access_line(change))
            body += [f"    {side}: {text}" for side, text in reasons(change)]
        sections.append((f"Access changes ({len(diff.access.changes)})", body))
    if diff.guardrails:
        sections.append(
            (
                f"Guardrails ({len(diff.guardrails)})",
                [g[2:] for g in guardrail_lines(diff.guardrails)],
            )
        )
    if diff.capacity:
        body = [change.render() for change in diff.capacity]
        sections.append((f"Shared capacity ({len(diff.capacity)})", body))
    if diff.resources.changes:
        body = [line[2:] for line in resource_lines(diff)]
        sections.append((f"Resources ({len(diff.resources.changes)})", body))
    out = "\n".join(head)
    cut = False
    for name, body in sections:
        block = "\n".join(
            [f"<details><summary>{_md(name)}</summary>", "", *_fenced(body), "", "</details>", ""]
        )
        if len(out) + len(block) > MARKDOWN_MAX:
            block = _cut(name, body, MARKDOWN_MAX - len(out))
            cut = True
        out += "\n" + block
        if cut:
            break
    if cut:
        out += "\n_Cut to fit a comment: `trainshare diff` prints everything._\n"
    return out.rstrip() + "\n"


def _cut(name: str, body: list[str], room: int) -> str:
    """The section with as many lines as fit in `room` characters (none if not even its head)."""
    kept: list[str] = []
    size = len(name) + 80
    for line in body:
        if size + len(line) + 1 > room:
            break
        kept.append(line)
        size += len(line) + 1
    if not kept:
        return ""
    kept.append(f"… {len(body) - len(kept)} more line(s)")
    return "\n".join(
        [f"<details><summary>{_md(name)}</summary>", "", *_fenced(kept), "", "</details>", ""]
    )


def _risk_json(flag: Finding) -> dict[str, str]:
    """A risk flag in `diff -f json`: what it is about under `where`."""
    return {
        "code": flag.code,
        "severity": str(flag.severity),
        "where": flag.location.path,
        "message": flag.message,
        "fix": flag.fix,
    }
