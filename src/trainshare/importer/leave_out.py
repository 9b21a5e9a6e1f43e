"""What the spec cannot express is left out of an import (the "leave out" step), smallest first,
until the spec validates: a share's principal or resource, else the share, the guardrail or the
trusted service an error names. Each is a note (in the output and as a comment in the spec)
and, where the audit would otherwise call it drift, an `unmanaged:` entry, which `audit`
reports as a LEFT_OUT finding instead."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap

from trainshare.catalog import load_catalog
from trainshare.errors import SpecError
from trainshare.findings import Finding, Severity
from trainshare.importer.draft import Draft, scratch_copy
from trainshare.plan.names import policy_node, share_node
from trainshare.spec import load_spec
from trainshare.spec.issues import field_text
from trainshare.yamlsource import Path_


def leave_out_what_does_not_validate(draft: Draft) -> None:
    """Drop what the spec cannot express, smallest first, until it validates: each error
    names a share's principal or resource (that one is left out), or a share, a guardrail or a
    trusted service (that one is). An error elsewhere is trainshare's bug: `project_files`
    reports it."""
    document = draft.document
    for _ in range(len(document.get("shares", {})) + len(document.get("guardrails", {})) + 3):
        errors = _spec_errors(draft.render(), draft.policies)
        if not errors or not _leave_out(draft, errors):
            return


def _leave_out(draft: Draft, errors: list[Finding]) -> bool:
    """One round of `leave_out_what_does_not_validate`; False when no error is ours to fix."""
    document = draft.document
    items: dict[tuple[str, str], dict[int, str]] = {}  # (share, list) → index → why
    whole: dict[tuple[str, str], str] = {}  # (section, key) → why
    fields = _fields(document)
    for issue in errors:
        path = _spec_path(fields, issue.location.path)
        in_list = len(path) >= 4 and path[0] == "shares" and path[2] in ("principals", "resources")
        if in_list and isinstance(path[3], int):
            items.setdefault((str(path[1]), str(path[2])), {})[path[3]] = issue.message
            continue
        if len(path) >= 2 and path[0] in ("shares", "guardrails"):
            whole.setdefault((str(path[0]), str(path[1])), issue.message)
        elif path[:2] == ("organization", "trusted_services") and len(path) > 2:
            whole.setdefault(("trusted_services", str(path[2])), issue.message)
    for (key, listed), by_index in items.items():
        if ("shares", key) in whole or key not in document.get("shares", {}):
            continue
        body = document["shares"][key]
        for index in sorted(by_index, reverse=True):
            if index >= len(body[listed]):
                continue
            entity = draft.entities[key][listed][index]
            draft.notes.append(f"share {key}: {listed[:-1]} {entity} left out — {by_index[index]}")
            draft.unmanaged.append(
                CommentedMap(
                    object=f"share-{listed[:-1]}", name=key, item=entity, why=by_index[index]
                )
            )
            del body[listed][index]
            del draft.entities[key][listed][index]
    for (section, key), why in whole.items():
        _leave_out_whole(draft, section, key, why)
    return bool(items or whole)


def _leave_out_whole(draft: Draft, section: str, key: str, why: str) -> None:
    document = draft.document
    if section == "trusted_services":
        services = document["organization"].get("trusted_services", [])
        if key.isdigit() and int(key) < len(services):
            draft.notes.append(f"trusted access for {services[int(key)]} left out — {why}")
            del services[int(key)]
        return
    body = document.get(section, {}).pop(key, None)
    if body is None:
        return
    if section == "shares":
        what = "share"
    else:
        ptype = load_catalog().policy_types.get(body.get("type", "scp"))
        what = ptype.label if ptype is not None else "guardrail"
    draft.notes.append(f"{what} {key} left out — {why}")
    if section == "shares":
        draft.adopt.pop(share_node(key), None)
        draft.unmanaged[:] = [u for u in draft.unmanaged if u["name"] != key]
        if not document["shares"]:
            del document["shares"]
    else:  # its document stays in policies/, to fix and add back
        draft.adopt.pop(policy_node(key, body.get("type", "scp")), None)
        if not document["guardrails"]:
            del document["guardrails"]


def _fields(document: Mapping[str, Any]) -> dict[str, Path_]:
    """The spec paths `_leave_out` acts on, by the field text a finding is located at
    (`shares.data.principals[2]`): shares, their principals and resources, guardrails,
    trusted services."""
    paths: list[Path_] = []
    for key, body in (document.get("shares") or {}).items():
        paths.append(("shares", key))
        for listed in ("principals", "resources"):
            entries = body.get(listed) if isinstance(body, Mapping) else None
            paths += [("shares", key, listed, i) for i in range(len(entries or ()))]
    paths += [("guardrails", key) for key in document.get("guardrails") or {}]
    services = (document.get("organization") or {}).get("trusted_services") or ()
    paths += [("organization", "trusted_services", i) for i in range(len(services))]
    return {field_text(path): path for path in paths}


def _spec_path(fields: Mapping[str, Path_], field: str) -> Path_:
    """The longest of `fields`' paths that `field` is (or is inside); () when none."""
    ends = [i for i, c in enumerate(field) if c in ".["] + [len(field)]
    for end in reversed(ends):
        if field[:end] in fields:
            return fields[field[:end]]
    return ()


def _spec_errors(spec_text: str, policies: Mapping[str, str]) -> list[Finding]:
    """The errors (not warnings) of a spec text with its policy files."""
    with scratch_copy(spec_text, policies) as spec_file:
        try:
            load_spec(spec_file)
        except SpecError as exc:
            return [i for i in exc.issues if i.severity is Severity.ERROR]
    return []
