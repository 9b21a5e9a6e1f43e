"""The `trainshare` command: parse arguments, call the layers, print, exit.

Exit codes: 0 success; 1 bad input or an error (every problem is printed, located); 2 blocking
findings (`lint`) or drift and findings (`audit`).
"""

from __future__ import annotations

import gc
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from trainshare import __version__
from trainshare.access import AccessError, Context, Request, evaluate, model_from_spec
from trainshare.access.matrix import access_rows, summarize
from trainshare.catalog import GuardrailTemplate, load_catalog
from trainshare.errors import PlanError, Severity, SpecError, TrainshareError
from trainshare.plan import build_plan, plan_to_json
from trainshare.policy import minify, render_template
from trainshare.policy.lint import Finding, PolicyKind, lint_document, lint_text
from trainshare.report import issues_to_json, render_issues, render_plan
from trainshare.report.access import (
    access_table,
    cells_to_csv,
    cells_to_json,
    decisions_table,
    render_html,
)
from trainshare.spec import Spec, load_spec

app = typer.Typer(
    name="trainshare",
    help="Share AI-training resources (GPU capacity, subnets, datasets, models) across the "
    "accounts of an AWS Organization, as Pulumi code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


class TableFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


SpecArg = Annotated[
    Path, typer.Argument(help="Path of the spec, e.g. trainshare.yaml.", show_default=False)
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
# Reading AWS (audit, import): the same options, the same words.
ProfileOpt = Annotated[str | None, typer.Option(help="AWS profile of the management account.")]
EndpointOpt = Annotated[
    str | None, typer.Option(help="Another endpoint (an emulator), instead of AWS.")
]
MaxSecondsOpt = Annotated[float, typer.Option(help="Give up on a throttled call after this long.")]
_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        out.print(f"trainshare {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    _state["debug"] = debug


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", markup=True)
    raise typer.Exit(1)


def _load(spec: Path, fmt: Format) -> Spec:
    """Load and validate; on errors print every one (located) and exit 1."""
    try:
        loaded = load_spec(spec)
    except SpecError as exc:
        if fmt is Format.JSON:
            _print_json(issues_to_json(exc.issues))
            raise typer.Exit(1) from None
        err.print(render_issues(exc.issues), markup=False)
        errors = sum(1 for i in exc.issues if i.severity is Severity.ERROR)
        _fail(f"{spec}: {errors} error(s); nothing was planned or deployed")
    if fmt is Format.TEXT and loaded.warnings:
        err.print(render_issues(loaded.warnings), markup=False)
    return loaded


@app.command()
def validate(spec: SpecArg, fmt: FormatOpt = Format.TEXT) -> None:
    """Check a spec: every problem at once, each as file:line: field: what — how to fix."""
    loaded = _load(spec, fmt)
    try:
        build_plan(loaded)  # what only the composed plan can tell (a resource policy's size)
    except PlanError as exc:
        _fail(f"{spec}: {exc}")
    if fmt is Format.JSON:
        _print_json(issues_to_json(loaded.warnings))
        return
    created = sum(1 for a in loaded.accounts.values() if a.created)
    out.print(
        f"{spec}: valid — {len(loaded.units)} OU(s), {len(loaded.accounts)} account(s) "
        f"({created} to create), {len(loaded.guardrails)} guardrail(s), "
        f"{len(loaded.shares)} share(s)"
    )


@app.command()
def plan(spec: SpecArg, fmt: FormatOpt = Format.TEXT) -> None:
    """Show what `pulumi up` will create, per account and Region, with every policy document."""
    loaded = _load(spec, fmt)
    graph = build_plan(loaded)
    if fmt is Format.JSON:
        _print_json(plan_to_json(graph))
        return
    out.print(render_plan(graph, loaded.limits, str(spec)), markup=False, end="")


def _context(pairs: list[str] | None) -> Context:
    values: dict[str, list[str]] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            _fail(f"--context {pair!r}: write KEY=VALUE, e.g. ec2:InstanceType=p5.48xlarge")
        values.setdefault(key, []).append(value)
    return Context.of(values)


@app.command()
def access(
    spec: SpecArg,
    account: Annotated[
        list[str] | None,
        typer.Option("--account", help="Only this account (key or ID). Repeatable."),
    ] = None,
    share: Annotated[
        list[str] | None, typer.Option("--share", help="Only this share. Repeatable.")
    ] = None,
    action: Annotated[
        list[str] | None,
        typer.Option(
            "--action",
            help="Ask about this action (default: what each permission grants). Repeatable.",
        ),
    ] = None,
    context: Annotated[
        list[str] | None,
        typer.Option(
            "--context",
            help="KEY=VALUE known about the request, e.g. ec2:InstanceType=p5.48xlarge. "
            "Repeatable.",
        ),
    ] = None,
    explain: Annotated[
        tuple[str, str, str] | None,
        typer.Option(
            "--explain",
            metavar="ACCOUNT SHARE ACTION",
            help="The full trace, in words, for one question.",
        ),
    ] = None,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            help="Analyse the live organization of this audit snapshot instead of the spec."
        ),
    ] = None,
    org_id: Annotated[
        str | None,
        typer.Option(
            help="The organization's ID (o-…), so aws:PrincipalOrgID conditions can be decided."
        ),
    ] = None,
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="Output format.")] = (
        TableFormat.TABLE
    ),
    html_file: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML report here.")
    ] = None,
) -> None:
    """Who can use which shared resource, with which actions, and why (SCPs included)."""
    loaded = _load(spec, Format.JSON if fmt is not TableFormat.TABLE else Format.TEXT)
    if snapshot is not None:
        from trainshare.access.from_snapshot import model_from_snapshot
        from trainshare.snapshot import Snapshot, SnapshotError

        try:
            model = model_from_snapshot(
                Snapshot.read(snapshot), loaded.organization.partition, loaded
            )
        except SnapshotError as exc:
            _fail(str(exc))
    else:
        model = model_from_spec(loaded, org_id)
    ctx = _context(context)
    if explain is not None:
        _explain(model, explain, ctx, fmt)
        return
    for name in share or []:
        if name not in model.shares:
            _fail(f"--share {name!r}: no such share; the spec has {', '.join(model.shares)}")
    for ref in account or []:
        if model.account(ref) is None:
            _fail(f"--account {ref!r}: not an account of the spec")
    # The spec and the model live until exit: keep the collector from rescanning them while
    # the matrix allocates its cells (about a fifth of the matrix's time at 10,000 accounts).
    gc.collect()
    gc.freeze()
    rows = access_rows(model, ctx, account, share, action)
    filtered = bool(account or share or action)
    # the plain table counts rows; every other output wants a Cell per decision
    needs_cells = html_file is not None or fmt is not TableFormat.TABLE or filtered
    cells = list(rows.cells()) if needs_cells else []
    if html_file is not None:
        html_file.write_text(render_html(model, cells, str(spec)), encoding="utf-8")
        err.print(f"wrote {html_file}", markup=False)
    if fmt is TableFormat.JSON:
        _print_json(cells_to_json(cells))
    elif fmt is TableFormat.CSV:
        sys.stdout.write(cells_to_csv(cells))
    elif filtered:
        out.print(decisions_table(cells))
    else:
        out.print(access_table(model, rows.summary()))


def _explain(model: Any, question: tuple[str, str, str], ctx: Context, fmt: TableFormat) -> None:
    account, share_key, action = question
    share = model.shares.get(share_key)
    if share is None:
        _fail(f"--explain: no share {share_key!r}; the spec has {', '.join(model.shares)}")
    results = []
    for arn, _ in share.resources:
        try:
            decision = evaluate(model, Request(account, arn, action, ctx, share_key))
        except AccessError as exc:
            _fail(str(exc))
        results.append((arn, decision))
    if fmt is TableFormat.JSON:
        _print_json(
            {
                "decisions": [
                    {
                        "account": account,
                        "share": share_key,
                        "resource": arn,
                        "action": action,
                        **d.to_json(),
                    }
                    for arn, d in results
                ]
            }
        )
        return
    for arn, decision in results:
        out.print(
            f"{account} → {action} on {arn} (share {share_key}): {decision.effect.value}",
            markup=False,
        )
        out.print(decision.explain(), markup=False)


guardrails_app = typer.Typer(
    help="The SCP templates trainshare ships (catalog/guardrails).", no_args_is_help=True
)
app.add_typer(guardrails_app, name="guardrails")


@guardrails_app.command("list")
def guardrails_list(fmt: FormatOpt = Format.TEXT) -> None:
    """Every template with a one-line description."""
    templates = load_catalog().guardrails
    if fmt is Format.JSON:
        _print_json(
            {
                "templates": [
                    {
                        "name": t.name,
                        "description": t.description,
                        "source": t.source,
                        "params": {
                            p.name: {
                                "type": p.type,
                                "required": p.required,
                                "default": p.default,
                                "description": p.description,
                            }
                            for p in t.params.values()
                        },
                    }
                    for t in templates.values()
                ]
            }
        )
        return
    width = max(len(name) for name in templates)
    for template in templates.values():
        out.print(f"{template.name:<{width}}  {template.description}", markup=False)


def _param_value(template: GuardrailTemplate, name: str, text: str) -> object:
    kind = template.params[name].type if name in template.params else "string"
    if kind == "string_list":
        if text.startswith("["):
            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            _fail(f"--param {name}: expected true or false, got {text!r}")
        return text.lower() == "true"
    return text


@guardrails_app.command("show")
def guardrails_show(
    name: Annotated[str, typer.Argument(help="Template name (see `guardrails list`).")],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="NAME=VALUE; lists as a,b,c or JSON. Repeatable."),
    ] = None,
    access_role: Annotated[str, typer.Option(help="The deploy role the template exempts.")] = (
        "OrganizationAccountAccessRole"
    ),
    fmt: FormatOpt = Format.TEXT,
) -> None:
    """Render a template: the minified document AWS receives, its size, and lint findings."""
    catalog = load_catalog()
    template = catalog.guardrails.get(name)
    if template is None:
        _fail(f"no guardrail template {name!r}; `trainshare guardrails list` shows them")
    params: dict[str, object] = {}
    for assignment in param or []:
        key, sep, value = assignment.partition("=")
        if not sep:
            _fail(f"--param {assignment!r}: write NAME=VALUE")
        params[key] = _param_value(template, key, value)
    document, problems = render_template(
        template, params, {"access_role": access_role, "partition": "aws"}
    )
    if document is None:
        for problem in problems:
            err.print(f"--param {problem.param}: {problem.message} — {problem.fix}", markup=False)
        _fail(f"cannot render {name!r}")
    text = minify(document)
    limit = catalog.limits["scp_max_chars"].value
    findings = lint_document(document, PolicyKind.SCP, f"template {name}")
    if fmt is Format.JSON:
        _print_json(
            {
                "name": name,
                "document": document,
                "minified": text,
                "size": len(text),
                "limit": limit,
                "findings": [f.to_json() for f in findings],
            }
        )
        return
    sys.stdout.write(text + "\n")
    err.print(
        f"{name}: {len(text):,} / {limit:,} characters minified ({template.source})", markup=False
    )
    for item in findings:
        err.print(item.render(), markup=False)


class FailOn(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@app.command()
def lint(
    files: Annotated[list[Path], typer.Argument(help="Policy JSON files.", show_default=False)],
    kind: Annotated[PolicyKind, typer.Option("--type", help="scp or resource policy.")] = (
        PolicyKind.SCP
    ),
    fail_on: Annotated[FailOn, typer.Option(help="Lowest severity that exits 2.")] = (FailOn.ERROR),
    fmt: FormatOpt = Format.TEXT,
) -> None:
    """Lint standalone policy files: unknown actions and keys, type mismatches, size, Sids.

    Exit 0 clean, 2 with findings at or above --fail-on, 1 when a file cannot be read."""
    findings: list[Finding] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}")
        findings += lint_text(text, kind, str(file))
    if fmt is Format.JSON:
        _print_json({"findings": [f.to_json() for f in findings]})
    else:
        for item in findings:
            out.print(item.render(), markup=False)
        errors = sum(1 for f in findings if f.severity is Severity.ERROR)
        err.print(
            f"{len(files)} file(s): {errors} error(s), {len(findings) - errors} warning(s)",
            markup=False,
        )
    blocking = {Severity.ERROR} if fail_on is FailOn.ERROR else {Severity.ERROR, Severity.WARNING}
    if any(f.severity in blocking for f in findings):
        raise typer.Exit(2)


@app.command()
def audit(
    spec: SpecArg,
    profile: ProfileOpt = None,
    region: Annotated[str | None, typer.Option(help="Region for the Organizations calls.")] = None,
    endpoint_url: EndpointOpt = None,
    all_accounts: Annotated[
        bool,
        typer.Option(
            "--all-accounts", help="Read the shares of every account, not only the spec's owners."
        ),
    ] = False,
    snapshot_out: Annotated[
        Path | None, typer.Option(help="Write the snapshot (JSON, no credentials) here.")
    ] = None,
    snapshot: Annotated[
        Path | None, typer.Option(help="Diff this snapshot offline instead of reading AWS.")
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option(help="Lowest finding severity that exits 2 (drift always does).")
    ] = FailOn.ERROR,
    max_seconds: MaxSecondsOpt = 120.0,
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="table or json.")] = (
        TableFormat.TABLE
    ),
) -> None:
    """Read the live organization (read-only), diff it against the spec, report risky findings.

    Exit 0 clean, 2 drift or findings at or above --fail-on, 1 error."""
    loaded = _load(spec, Format.JSON if fmt is TableFormat.JSON else Format.TEXT)
    from trainshare.audit import AuditError, ClientFactory, diff, read_snapshot
    from trainshare.snapshot import Snapshot, SnapshotError

    try:
        if snapshot is not None:
            live = Snapshot.read(snapshot)
        else:
            factory = ClientFactory.for_profile(profile, region, endpoint_url, max_seconds)
            with err.status("reading the organization…") as status:
                live = read_snapshot(loaded, factory, all_accounts, progress=status.update)
            err.print(f"read with {sum(factory.calls.values())} API calls", markup=False)
    except (AuditError, SnapshotError) as exc:
        _fail(str(exc))
    if snapshot_out is not None:
        snapshot_out.write_text(live.to_json(), encoding="utf-8")
        err.print(f"wrote {snapshot_out}", markup=False)
    report = diff(loaded, live)
    if fmt is TableFormat.JSON:
        _print_json(report.to_json())
    else:
        if not report.drift and not report.findings:
            out.print(f"no drift: the organization matches {spec}", markup=False)
        for item in report.drift:
            out.print("drift    " + item.render(), markup=False)
        for found in report.findings:
            out.print(found.render(), markup=False)
    threshold = Severity.ERROR if fail_on is FailOn.ERROR else Severity.WARNING
    if report.blocking(threshold):
        raise typer.Exit(2)


@app.command()
def demo(
    spec: Annotated[Path, typer.Argument(help="The spec to deploy.")] = Path(
        "examples/ml-platform/trainshare.yaml"
    ),
    html_file: Annotated[Path, typer.Option("--html", help="Where to write the access report.")] = (
        Path("trainshare-access.html")
    ),
    keep: Annotated[
        bool, typer.Option("--keep", help="Leave the emulator running and print its endpoint.")
    ] = False,
) -> None:
    """The whole loop, locally: the real Pulumi program against an embedded AWS emulator, then
    audit (expect no drift) and the access matrix. Needs no AWS account and no network."""
    loaded = _load(spec, Format.TEXT)
    from trainshare.emulator.demo import run_demo  # pulumi and moto load only for the demo

    result = run_demo(loaded, html_file, lambda line: out.print(line, markup=False), keep)
    if result.report.drift or result.report.findings:
        for item in result.report.drift:
            out.print("drift    " + item.render(), markup=False)
        for found in result.report.findings:
            out.print(found.render(), markup=False)
        _fail("the audit found drift right after deploying: please report this as a bug")
    out.print("audit: no drift, no findings", markup=False)
    out.print(access_table(result.model, summarize(result.cells)))
    out.print(f"access report: {html_file}", markup=False)


@app.command("import")
def import_(
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="Folder for the project (nothing is overwritten)."),
    ],
    snapshot: Annotated[
        Path | None,
        typer.Option(help="Import this audit snapshot (audit --snapshot-out) instead of AWS."),
    ] = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    region: Annotated[str, typer.Option(help="The organization's default Region.")] = "us-east-1",
    share_regions: Annotated[
        list[str] | None,
        typer.Option("--share-region", help="Read RAM shares in this Region (repeatable)."),
    ] = None,
    owners: Annotated[
        list[str] | None,
        typer.Option("--owner", help="Also read this account's shares (repeatable)."),
    ] = None,
    all_accounts: Annotated[
        bool, typer.Option("--all-accounts", help="Read the shares of every active account.")
    ] = False,
    access_role: Annotated[
        str, typer.Option(help="Role assumed in member accounts to read their shares.")
    ] = "OrganizationAccountAccessRole",
    max_seconds: MaxSecondsOpt = 120.0,
) -> None:
    """Describe an existing organization as a ready project: trainshare.yaml (OUs and accounts
    adopted by ID, SCPs as guardrails, RAM shares), policies/, the Pulumi program, and
    pulumi-import.json so that the first `pulumi up` imports instead of creating.

    Reads AWS read-only (as `audit` does) from the management account's credentials, or an
    audit snapshot with --snapshot."""
    from trainshare.audit import AuditError, ClientFactory, read_organization
    from trainshare.importer import (
        IMPORT_FILE,
        ImportRefusedError,
        import_snapshot,
        write_imported,
    )
    from trainshare.scaffold import ScaffoldError
    from trainshare.snapshot import Snapshot, SnapshotError

    try:
        if snapshot is not None:
            live = Snapshot.read(snapshot)
        else:
            factory = ClientFactory.for_profile(profile, region, endpoint_url, max_seconds)
            with err.status("reading the organization…") as status:
                live = read_organization(
                    factory,
                    access_role=access_role,
                    regions=share_regions or [region],
                    owners=owners or (),
                    all_accounts=all_accounts,
                    progress=status.update,
                )
            err.print(f"read with {sum(factory.calls.values())} API calls", markup=False)
        imported = import_snapshot(live, region, access_role)
        written = write_imported(imported, live, out_dir)
    except (AuditError, SnapshotError, ScaffoldError, ImportRefusedError) as exc:
        _fail(str(exc))
    for note in imported.notes:
        err.print(f"note: {note}", markup=False)
    for path in written:
        out.print(f"wrote {path}", markup=False)
    adopted = len(json.loads((out_dir / IMPORT_FILE).read_text())["resources"]) - 1
    out.print(
        f"next: cd {out_dir} && pulumi preview — expect {adopted} imports, no replacement and "
        "no deletion; then trainshare audit trainshare.yaml",
        markup=False,
    )


@app.command()
def synth(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for trainshare.yaml and policies/.")
    ],
    accounts: Annotated[int, typer.Option(min=2, help="Accounts, owners included.")] = 100,
    units: Annotated[int, typer.Option(min=0, help="OUs.")] = 10,
    depth: Annotated[int, typer.Option(min=1, max=5, help="OU depth (AWS allows 5).")] = 3,
    guardrails: Annotated[int, typer.Option(min=0, help="SCPs.")] = 10,
    custom: Annotated[
        float, typer.Option(min=0, max=1, help="Fraction of SCPs that are custom documents.")
    ] = 0.3,
    shares: Annotated[int, typer.Option(min=0, help="Shares.")] = 10,
    resources: Annotated[int, typer.Option(min=1, help="Resources per share.")] = 5,
    principals: Annotated[int, typer.Option(min=1, help="Principals per share.")] = 3,
    owners: Annotated[int, typer.Option(min=1, help="Accounts that own shared resources.")] = 5,
    policy_shares: Annotated[
        float, typer.Option(min=0, max=1, help="Fraction of shares that are policy shares.")
    ] = 0.2,
    seed: Annotated[int, typer.Option(help="Same seed, same organization.")] = 7,
) -> None:
    """Write a synthetic organization (deterministic from --seed) that `validate` accepts: for
    benchmarks, and to try trainshare at your organization's size."""
    from trainshare.synth import SynthParams, write_synthetic

    if owners >= accounts:
        _fail(f"--owners ({owners}) must be fewer than --accounts ({accounts})")
    params = SynthParams(
        accounts=accounts,
        units=units,
        depth=depth,
        guardrails=guardrails,
        custom_share=custom,
        shares=shares,
        resources_per_share=resources,
        principals_per_share=principals,
        owners=owners,
        policy_shares=policy_shares,
        seed=seed,
    )
    try:
        path = write_synthetic(out_dir, params, overwrite=False)
    except FileExistsError as exc:
        _fail(str(exc))
    out.print(f"wrote {path}", markup=False)


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the new project (created if needed).")],
) -> None:
    """Scaffold a ready Pulumi project: Pulumi.yaml, __main__.py, requirements.txt and a
    commented trainshare.yaml that validates. Never overwrites a file."""
    from trainshare.scaffold import ScaffoldError, init_project

    try:
        written = init_project(folder)
    except ScaffoldError as exc:
        _fail(str(exc))
    for path in written:
        out.print(f"wrote {path}", markup=False)
    out.print(f"next: edit {folder / 'trainshare.yaml'}, then trainshare validate it", markup=False)


def main() -> None:
    try:
        app()
    except TrainshareError as exc:
        if _state["debug"]:
            raise
        err.print(f"[bold red]error:[/] {exc}", markup=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
