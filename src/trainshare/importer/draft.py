"""The spec an import is writing: its document and policy files, with what the steps after
describing it read (notes, adoptions, the live entities of each share's lists, `unmanaged:`
entries); rendered as the spec's text, and loaded from a scratch copy to check it."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from trainshare.snapshot import Snapshot

SPEC_FILE = "trainshare.yaml"


@dataclass
class Draft:
    snapshot: Snapshot
    document: CommentedMap = field(default_factory=CommentedMap)
    policies: dict[str, str] = field(default_factory=dict)  # relative path → JSON text
    notes: list[str] = field(default_factory=list)  # what was renamed or left out, in words
    adopt: dict[str, str] = field(default_factory=dict)  # plan node name → the live ID
    # share key → live entities of its principals and resources, in the spec's order
    entities: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    unmanaged: list[CommentedMap] = field(default_factory=list)

    def render(self) -> str:
        """The spec's text: a header naming the organization, the notes as comments, the
        document."""
        stream = io.StringIO()
        stream.write(
            f"# Imported by trainshare from the organization "
            f"{self.snapshot.organization_id} (snapshot taken "
            f"{self.snapshot.taken_at or 'at an unknown time'}).\n"
        )
        for note in self.notes:
            stream.write(f"# {_one_line(note)}\n")
        YAML().dump(self.document, stream)
        return stream.getvalue()


@contextmanager
def scratch_copy(spec_text: str, policies: Mapping[str, str]) -> Iterator[Path]:
    """The spec's path in a scratch folder that holds it and its policy files (a spec loads its
    policies from disk, relative to itself); the folder is gone afterwards."""
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        for name, text in policies.items():
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_text(text, encoding="utf-8")
        (base / SPEC_FILE).write_text(spec_text, encoding="utf-8")
        yield base / SPEC_FILE


def _one_line(text: str) -> str:
    """A note as one comment line, whatever characters the names in it hold."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
