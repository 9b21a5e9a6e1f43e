"""Spec keys for names from AWS (the "name" step of an import): each unique, none read as
something else.

Why not the names as AWS has them (`Snapshot.unit_paths` gives an OU's path of AWS names): a
spec key is more than a name. `/` separates the levels of OU paths and plan node names
(`plan/names.py`), siblings differing only by case are refused (OU_NAME_CLASH), an OU's own
settings (`id`, `name`, `tags`, … `spec.tree.UNIT_RESERVED`) and `root`/`organization` are
reserved, a 12-digit name reads as an account ID, and names have lengths AWS bounds. AWS allows
all of these, so the importer makes its own keys, and a note names each key that differs from its
AWS name. OUs, accounts, guardrails and shares keep that name in `name:`, so `pulumi up` renames
nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from trainshare.spec import tree as spec_tree

# Names a spec reads as something else: the whole organization, and an OU's own settings.
ORG_ALIASES = frozenset({"root", "organization"})
UNIT_RESERVED = frozenset(spec_tree.UNIT_RESERVED)
TWELVE_DIGITS = re.compile(r"^\d{12}$")
MAX_NAME = 128  # OU names and SCP names (Organizations API reference)
MAX_FILE_STEM = 100  # well under the 255 bytes file systems allow, with room for a suffix


class Keys:
    """Spec keys for names from AWS: each unique, none read as something else.

    A name is kept as its key when the spec can hold it; otherwise `/` becomes `-` (it separates
    levels of OU paths and plan names) and a suffix makes the key unique, and `refused` (a
    reserved word, a name that would resolve to another object) is never given out.
    """

    def __init__(self, what: str, notes: list[str], *, fold: bool = False, limit: int = 0):
        self.what, self.notes, self.fold, self.limit = what, notes, fold, limit
        self.taken: set[str] = set()

    def _norm(self, key: str) -> str:
        return key.casefold() if self.fold else key

    def take(self, name: str, refused: Callable[[str], bool] = lambda _: False) -> str:
        base = name.replace("/", "-") or "unnamed"
        key, n = base, 1 if refused(base) else 2
        while (
            self._norm(key) in self.taken or refused(key) or (self.limit and len(key) > self.limit)
        ):
            suffix = f"-{n}"
            stem = base[: self.limit - len(suffix)] if self.limit else base
            key, n = f"{stem}{suffix}", n + 1
        self.taken.add(self._norm(key))
        if key != name:
            self.notes.append(f"{self.what} {name!r} is written as {key!r}")
        return key
