"""The shipped guardrail templates of every policy type (`guardrails list`, `guardrails show`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trainshare.catalog import GuardrailTemplate
from trainshare.findings import Finding


def render_templates(templates: Mapping[str, GuardrailTemplate]) -> str:
    """One line a template: its name, padded to the longest, its type and its description."""
    width = max(len(name) for name in templates)
    kinds = max(len(t.type) for t in templates.values())
    return "\n".join(
        f"{t.name:<{width}}  {t.type:<{kinds}} {t.description}" for t in templates.values()
    )


def templates_to_json(templates: Mapping[str, GuardrailTemplate]) -> dict[str, Any]:
    return {
        "templates": [
            {
                "name": t.name,
                "type": t.type,
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


def rendered_to_json(
    name: str, document: Mapping[str, Any], minified: str, limit: int, findings: Sequence[Finding]
) -> dict[str, Any]:
    """A rendered template: the document, what AWS receives (minified), its size against the
    limit, and the linter's findings."""
    return {
        "name": name,
        "document": document,
        "minified": minified,
        "size": len(minified),
        "limit": limit,
        "findings": [f.to_json() for f in findings],
    }
