"""`schema`: the spec's JSON Schema, for editors."""

from __future__ import annotations

import sys

from trainshare.spec.schema import spec_json_schema_text


def schema() -> None:
    """Print the spec's JSON Schema (from its pydantic model), for editors that complete and
    check YAML: `trainshare init` writes it beside trainshare.yaml, with the
    `# yaml-language-server: $schema=…` line that points the YAML language server at it.

    Example:

    \b
    trainshare schema > trainshare.schema.json
    """
    sys.stdout.write(spec_json_schema_text())
