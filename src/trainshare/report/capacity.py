"""The capacity view as a table, CSV, or a self-contained HTML page: a bar per reservation,
split by the accounts running in it, the rest idle."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from trainshare.capacity.view import CapacityReport, ReservationRow

_COLUMNS = (
    "share",
    "reservation",
    "owner",
    "kind",
    "instance_type",
    "availability_zone",
    "match",
    "state",
    "end",
    "hours_left",
    "total",
    "available",
    "billing_owner",
    "idle_instance_hours",
    "consumer_id",
    "consumer",
    "running",
)
# one colour per consumer, in the order they appear in a bar; idle is grey
_PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7", "#9c755f")


def _id(row: ReservationRow) -> str:
    return row.arn.rsplit("/", 1)[-1]


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _billing(row: ReservationRow) -> str:
    if row.billing_owner is None:
        return f"{row.owner_name} (owner)"
    return row.billing_owner_name or row.billing_owner


WIDE = 110  # from this many columns, a column per fact; narrower, the facts as lines


def capacity_table(report: CapacityReport, width: int = WIDE) -> Table:
    """A row per reservation, each cell a few short lines; below `WIDE` columns, two columns
    (the reservation, then its facts as lines), so no name is broken."""
    if width < WIDE:
        return _narrow(report)
    table = Table(title="shared capacity", show_lines=True)
    for name in ("reservation / share", "kind", "state", "in use", "running in it", "billing"):
        table.add_column(name, min_width=20 if name.startswith("res") else None)
    for row in report.reservations:
        live = row.live
        if live is None:
            table.add_row(*_cells(f"{_id(row)}\n{row.share}", "—", "missing", "—", "", ""))
            continue
        table.add_row(
            *_cells(
                f"{live.id}\n{row.share}",
                f"{live.kind}\n{live.match}\n{live.instance_type}\n{live.availability_zone}",
                "\n".join(_state(row)),
                f"{live.total - live.available} of {live.total}\n"
                f"idle {_hours(live.idle_instance_hours)} inst-h",
                "\n".join(_running(row)),
                _billing(row),
            )
        )
    return table


def _cells(*values: str) -> list[Text]:
    """Cells as plain text: account names and IDs come from AWS (anyone in the organization
    names an account), so `[…]` in them is text, never Rich markup."""
    return [Text(value) for value in values]


def _state(row: ReservationRow) -> list[str]:
    live = row.live
    assert live is not None
    lines = [live.state]
    if live.end:
        lines += [f"ends {live.end[:16].replace('T', ' ')}", f"{_hours(row.hours_left)} h left"]
    return lines


def _running(row: ReservationRow) -> list[str]:
    return [
        f"{c.account or c.account_id}{' (owner)' if c.owner else ''}: {c.running}"
        for c in row.consumers
    ]


def _narrow(report: CapacityReport) -> Table:
    table = Table(title="shared capacity", show_lines=True)
    table.add_column("reservation / share", min_width=20)
    table.add_column("what it is and who runs in it")
    for row in report.reservations:
        live = row.live
        if live is None:
            table.add_row(*_cells(f"{_id(row)}\n{row.share}", "missing"))
            continue
        facts = [
            f"{live.kind}, {live.match}, {live.instance_type}, {live.availability_zone}",
            ", ".join(_state(row)),
            f"{live.total - live.available} of {live.total} in use; idle "
            f"{_hours(live.idle_instance_hours)} inst-h",
            *(f"running: {line}" for line in _running(row)),
            f"billing: {_billing(row)}",
        ]
        table.add_row(*_cells(f"{live.id}\n{row.share}", "\n".join(facts)))
    return table


def capacity_to_csv(report: CapacityReport) -> str:
    """One line per (reservation, account running in it); a reservation nobody uses has one
    line with empty consumer columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for row in report.reservations:
        data = row.to_json()
        base = [
            row.share,
            _id(row),
            row.owner,
            data["kind"] or "",
            data["instance_type"] or "",
            data["availability_zone"] or "",
            data["match"] or "",
            data["state"],
            data["end"] or "",
            "" if data["hours_left"] is None else data["hours_left"],
            data["total"],
            data["available"],
            data["billing_owner"] or "",
            "" if data["idle_instance_hours"] is None else data["idle_instance_hours"],
        ]
        consumers = row.consumers or ()
        if not consumers:
            writer.writerow([*base, "", "", ""])
        for consumer in consumers:
            writer.writerow([*base, consumer.account_id, consumer.account, consumer.running])
    return buffer.getvalue()


def _bar(row: ReservationRow, colours: dict[str, str]) -> str:
    live = row.live
    if live is None or live.total <= 0:
        return '<div class="bar empty">no capacity</div>'
    parts = []
    for consumer in row.consumers:
        colour = colours.setdefault(consumer.account_id, _PALETTE[len(colours) % len(_PALETTE)])
        label = f"{consumer.account or consumer.account_id}: {consumer.running}"
        width = 100 * consumer.running / live.total
        parts.append(
            f'<span class="seg" style="width:{width:.2f}%;background:{colour}" '
            f'title="{html.escape(label)}">{html.escape(label)}</span>'
        )
    idle = max(live.total - sum(c.running for c in row.consumers), 0)
    if idle:
        parts.append(
            f'<span class="seg idle" style="width:{100 * idle / live.total:.2f}%" '
            f'title="idle: {idle}">idle: {idle}</span>'
        )
    return f'<div class="bar">{"".join(parts)}</div>'


def render_capacity_html(report: CapacityReport, title: str) -> str:
    """One file, no network, no script: a bar per reservation, then the findings."""
    colours: dict[str, str] = {}
    rows = []
    for row in report.reservations:
        live = row.live
        facts = (
            "missing"
            if live is None
            else f"{live.kind}, {live.instance_type}, {live.availability_zone}, {live.match}, "
            f"{live.state}; {live.total - live.available} of {live.total} in use"
            + (f"; ends {live.end} ({_hours(row.hours_left)} h left)" if live.end else "")
            + (f"; unused part billed to {_billing(row)}" if row.billing_owner else "")
        )
        rows.append(
            f"<tr><th>{html.escape(row.share)}<br><code>{html.escape(_id(row))}</code></th>"
            f"<td>{_bar(row, colours)}<div class=facts>{html.escape(facts)}</div></td></tr>"
        )
    findings = "".join(
        f'<li class="{f.severity}"><b>{html.escape(f.code)}</b> {html.escape(str(f.location))}: '
        f"{html.escape(f.message)} — <i>{html.escape(f.fix)}</i></li>"
        for f in report.findings
    )
    return _PAGE.format(
        title=html.escape(title),
        rows="\n".join(rows),
        findings=findings or "<li>none</li>",
    )


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>trainshare capacity — {title}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .5em; text-align: left; vertical-align: top; }}
th {{ width: 16em; font-weight: 600; }}
.bar {{ display: flex; height: 1.8em; border: 1px solid #999; border-radius: 3px;
        overflow: hidden; }}
.seg {{ color: #fff; font-size: 12px; line-height: 1.8em; padding: 0 .3em; white-space: nowrap;
        overflow: hidden; text-overflow: ellipsis; }}
.seg.idle {{ background: repeating-linear-gradient(45deg, #ddd, #ddd 6px, #eee 6px, #eee 12px);
            color: #555; }}
.bar.empty {{ color: #999; padding: .3em; }}
.facts {{ color: #555; font-size: 12px; margin-top: .3em; }}
li.error {{ color: #a40000; }} li.warning {{ color: #8a5a00; }}
</style></head><body>
<h1>Shared capacity — {title}</h1>
<table>
{rows}
</table>
<h2>Findings</h2>
<ul>{findings}</ul>
</body></html>
"""


def render_findings(report: CapacityReport) -> Sequence[str]:
    return [f.render() for f in report.findings]
