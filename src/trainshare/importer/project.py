"""The imported project on disk (the "write" step of an import): Pulumi.yaml, __main__.py
(adopting), requirements.txt, the spec, its policies, and pulumi-import.json for the plan of
that very spec."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from trainshare.errors import SpecError, TrainshareError
from trainshare.findings import Severity
from trainshare.importer.adoption import pulumi_import_file
from trainshare.importer.draft import scratch_copy
from trainshare.scaffold import project_name, render_project, write_files
from trainshare.snapshot import Snapshot
from trainshare.spec import load_spec

IMPORT_FILE = "pulumi-import.json"


class ImportRefusedError(TrainshareError):
    """The organization cannot be described by a spec trainshare could deploy."""


@dataclass
class Imported:
    spec_text: str
    policies: dict[str, str]  # relative path → JSON text
    notes: list[str] = field(default_factory=list)  # what was renamed or left out, in words
    # plan node name → the live ID it adopts, for what is matched by ID rather than by name
    adopt: dict[str, str] = field(default_factory=dict)


def project_files(imported: Imported, snapshot: Snapshot, folder: Path) -> dict[Path, str]:
    """Every file of the imported project: Pulumi.yaml, __main__.py (adopting), requirements.txt,
    the spec, its policies, and pulumi-import.json for the plan of that very spec."""
    with scratch_copy(imported.spec_text, imported.policies) as spec_file:
        base = spec_file.parent
        try:
            spec = load_spec(spec_file)
        except SpecError as exc:
            problems = "\n".join(
                replace(
                    i,
                    location=replace(
                        i.location, file=str(folder / Path(i.location.file).relative_to(base))
                    ),
                ).render_brief()
                for i in exc.issues
                if i.severity is Severity.ERROR
            )
            raise ImportRefusedError(
                f"the spec written from this organization would not validate; nothing was "
                f"written (please report this as a bug, with these lines):\n{problems}"
            ) from None
    import_file = pulumi_import_file(spec, snapshot, project_name(folder), imported.adopt)
    texts = render_project(folder, imported.spec_text, IMPORT_FILE)
    texts.update({folder / name: text for name, text in imported.policies.items()})
    texts[folder / IMPORT_FILE] = json.dumps(import_file, indent=2) + "\n"
    return texts


def write_imported(imported: Imported, snapshot: Snapshot, folder: Path) -> list[Path]:
    """Write the project into `folder`; refuses, writing nothing, to overwrite any file."""
    return write_files(project_files(imported, snapshot, folder), root=folder)
