"""The spec's JSON Schema, from its pydantic model (`SpecDocument`): for editors, through the
`yaml-language-server` modeline `trainshare init` writes, to complete and check trainshare.yaml
as it is typed. It checks the shape only (keys, types, required fields); `trainshare validate`
checks everything else (references, AWS's rules)."""

from __future__ import annotations

import json
from typing import Any

from trainshare.spec.model import SpecDocument

SCHEMA_FILE = "trainshare.schema.json"
MODELINE = f"# yaml-language-server: $schema={SCHEMA_FILE}"


def spec_json_schema() -> dict[str, Any]:
    schema = SpecDocument.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "trainshare spec, version 1",
        "description": "What to share across an AWS Organization, and with whom "
        "(trainshare.yaml). `trainshare validate` checks what a schema cannot.",
    }


def spec_json_schema_text() -> str:
    return json.dumps(spec_json_schema(), indent=2, sort_keys=False) + "\n"
