"""`diff OLD NEW`: what a spec change does to resources, guardrails and who can do what."""

from __future__ import annotations

from contextlib import ExitStack
from enum import StrEnum
from typing import Annotated

import typer

from trainshare.cli.common import ContextOpt, context_of, err, fail, out, parse_choice, print_json
from trainshare.cli.progress import progress
from trainshare.diff import ACCEPTED_ERRORS, diff_specs
from trainshare.diff.sources import SpecSource, spec_source
from trainshare.errors import SpecError
from trainshare.findings import Severity
from trainshare.report.diff import diff_to_json, render_diff, render_markdown
from trainshare.spec import Spec, load_spec

CHANGED = 3  # the exit code when something changes: CI can ask for an approval


class DiffFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


DIFF_FORMAT_NAMES = {
    "text": DiffFormat.TEXT,
    "table": DiffFormat.TEXT,
    "json": DiffFormat.JSON,
    "markdown": DiffFormat.MARKDOWN,
    "md": DiffFormat.MARKDOWN,
}


def parse_diff_format(value: str) -> DiffFormat:
    return parse_choice(value, DIFF_FORMAT_NAMES, "text, json, markdown")


SpecRefArg = typer.Argument(
    help="A spec: a file, or git:REV:PATH (PATH as `git show REV:PATH` reads it).",
    show_default=False,
)


def _load(source: SpecSource) -> Spec:
    """The spec, or every problem printed (naming the commit's files for git:) and exit 1. A
    lockout (LEVEL_WITHOUT_ALLOW) does not stop the comparison: it is flagged as its risk."""
    try:
        return load_spec(source.path, accept=ACCEPTED_ERRORS)
    except SpecError as exc:
        for issue in exc.issues:
            text = source.relabel(issue.render_brief())
            err.print(text, markup=False)
        errors = sum(1 for i in exc.issues if i.severity is Severity.ERROR)
        fail(f"{source.label}: {errors} error(s); fix the spec to compare it")


def diff(
    old: Annotated[str, SpecRefArg],
    new: Annotated[str, SpecRefArg],
    fmt: Annotated[
        DiffFormat,
        typer.Option(
            "--format",
            "-f",
            parser=parse_diff_format,
            metavar="text|json|markdown",
            help="Output format: text, json, or markdown (for a pull-request comment).",
        ),
    ] = DiffFormat.TEXT,
    context: ContextOpt = None,
) -> None:
    """What changing spec OLD into NEW does: the resources `pulumi up` creates, updates,
    replaces or deletes; the guardrails attached, detached or changed on each OU and account;
    every access decision that changes, grouped by the accounts moving together, with the
    reason on each side; and what shared reservations are stated to be, and who pays. Risk
    flags: access gained outside the organization, a share widened, a Deny now hitting the
    deploy role, a lockout, an account (or a moved OU) leaving its guardrails.

    Exit 0 when nothing changes, 3 when something does (CI can require an approval), 1 when a
    spec cannot be read.

    Example:

    \b
    trainshare diff git:origin/main:trainshare.yaml trainshare.yaml
    trainshare diff deployed.yaml trainshare.yaml -f markdown > diff.md
    trainshare diff old.yaml new.yaml --context ec2:InstanceType=p5.48xlarge
    """
    ctx = context_of(context)
    with ExitStack() as stack, progress("comparing the specs") as step:
        step(f"reading {old}")
        before = _load(stack.enter_context(spec_source(old)))
        step(f"reading {new}")
        after = _load(stack.enter_context(spec_source(new)))
        step("deciding what changes")
        found = diff_specs(before, after, labels=(old, new), context=ctx)
    if fmt is DiffFormat.JSON:
        print_json(diff_to_json(found))
    elif fmt is DiffFormat.MARKDOWN:
        out.print(render_markdown(found), markup=False, end="")
    else:
        out.print(render_diff(found), markup=False, end="")
    if found.changed:
        raise typer.Exit(CHANGED)
