"""Where `trainshare diff` reads a spec from: a file, or `git:REV:PATH`, a spec as committed.

`git:REV:PATH` means what `git show REV:PATH` means, in the repository of the current
directory: PATH from the repository's top, or from the current directory when it starts with
`./` or `../`. The spec is written to a temporary folder at its place in the repository, with
every file of the same commit that one of its values names relative to it (a guardrail's
`document:`, a resource's `extra_statements:`), so it is read exactly as a file would be. Only
blobs are copied (no symbolic links), each within the limit of a spec, at most 256 files.
"""

from __future__ import annotations

import posixpath
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainshare import inputs
from trainshare.errors import TrainshareError
from trainshare.yamlsource import read_yaml

GIT = "git:"
MAX_FILES = 256
_TIMEOUT = 120  # seconds for one git command


class SourceError(TrainshareError):
    """A spec that cannot be read from where the command line says."""


@dataclass(frozen=True)
class SpecSource:
    label: str  # as the user wrote it
    path: Path  # the file to load
    folder: Path | None = None  # the temporary copy of the commit's files, for `git:`
    revision: str = ""

    def relabel(self, text: str) -> str:
        """A message about the temporary copy, naming the commit's files instead."""
        if self.folder is None:
            return text
        return text.replace(f"{self.folder}/", f"{GIT}{self.revision}:")


@contextmanager
def spec_source(ref: str, cwd: Path | None = None) -> Iterator[SpecSource]:
    """The spec `ref` names (a path, or `git:REV:PATH`), as a file to load."""
    if not ref.startswith(GIT):
        yield SpecSource(ref, Path(ref))
        return
    revision, sep, path = ref[len(GIT) :].partition(":")
    if not sep or not revision or not path:
        raise SourceError(
            f"{ref}: write git:REV:PATH, e.g. git:origin/main:trainshare.yaml (PATH from the "
            "repository's top, or ./PATH from the current directory)"
        )
    with tempfile.TemporaryDirectory(prefix="trainshare-git-") as folder:
        git = _Git(ref, revision, cwd or Path.cwd())
        spec = git.materialise(path, Path(folder))
        yield SpecSource(ref, spec, Path(folder), revision)


class _Git:
    def __init__(self, ref: str, revision: str, cwd: Path) -> None:
        self.ref, self.revision, self.cwd = ref, revision, cwd

    def run(self, *args: str, what: str) -> bytes:
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=self.cwd,
                capture_output=True,
                timeout=_TIMEOUT,
                check=False,
            )
        except FileNotFoundError:
            raise SourceError(f"{self.ref}: git is not installed (needed to read git:)") from None
        except subprocess.TimeoutExpired:
            raise SourceError(f"{self.ref}: git took over {_TIMEOUT} s to {what}") from None
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = f" (git: {said[-1]})" if said else ""
            raise SourceError(f"{self.ref}: cannot {what}{detail}")
        return done.stdout

    def materialise(self, path: str, folder: Path) -> Path:
        prefix = self.run("rev-parse", "--show-prefix", what="find a Git repository here")
        top_relative = path
        if path.startswith(("./", "../")):
            top_relative = posixpath.join(prefix.decode().strip(), path)
        full = posixpath.normpath(top_relative)
        if full.startswith("../") or full == ".." or posixpath.isabs(full):
            raise SourceError(f"{self.ref}: {path} is outside the repository")
        self.run(
            "rev-parse",
            "--verify",
            "--quiet",
            f"{self.revision}^{{commit}}",
            what=f"find revision {self.revision!r} (fetch it, or check its name)",
        )
        tree = self._tree()
        if full not in tree:
            raise SourceError(
                f"{self.ref}: {full} is not a file of {self.revision} (PATH is from the "
                "repository's top; ./PATH from the current directory)"
            )
        self._copy(full, tree, folder)
        spec = folder / full
        for name in self._references(spec, full, tree):
            self._copy(name, tree, folder)
        return spec

    def _tree(self) -> dict[str, tuple[str, int]]:
        """Path → (object, size) of every regular file of the revision."""
        listing = self.run(
            "ls-tree", "-r", "-l", "-z", "--full-tree", self.revision, what="list the revision"
        )
        out: dict[str, tuple[str, int]] = {}
        for entry in listing.split(b"\0"):
            head, tab, name = entry.partition(b"\t")
            fields = head.split()
            if not tab or len(fields) != 4 or fields[1] != b"blob" or fields[0] == b"120000":
                continue  # trees, submodules and symbolic links
            size = int(fields[3]) if fields[3].isdigit() else 0
            out[name.decode("utf-8", "surrogateescape")] = (fields[2].decode(), size)
        return out

    def _copy(self, name: str, tree: dict[str, tuple[str, int]], folder: Path) -> None:
        obj, size = tree[name]
        if size > inputs.SPEC.max_bytes:
            raise SourceError(
                f"{self.ref}: {name} is {size:,} bytes, over the {inputs.SPEC.max_bytes:,} "
                "a spec or a file it names may have"
            )
        data = self.run("cat-file", "blob", obj, what=f"read {name}")
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def _references(self, spec: Path, full: str, tree: dict[str, tuple[str, int]]) -> list[str]:
        """Files of the revision that a value of the spec names relative to it."""
        try:
            data = read_yaml(spec).data
        except TrainshareError:
            return []  # loading it reports the problem, located
        base = posixpath.dirname(full)
        found: dict[str, None] = {}
        for value in _strings(data):
            if len(value) > 4096 or "\0" in value:
                continue
            name = posixpath.normpath(posixpath.join(base, value))
            if name == ".." or name.startswith("../"):
                # relative to the temporary copy, it would read whatever lies beside it in
                # the machine's temporary folder (anyone's, on a shared runner)
                raise SourceError(
                    f"{self.ref}: the spec names {value}, outside the repository; git: reads "
                    "only the revision's own files (move the file into the repository)"
                )
            if name in tree and name != full:
                found[name] = None
        if len(found) > MAX_FILES:
            raise SourceError(
                f"{self.ref}: the spec names {len(found):,} files of the revision; at most "
                f"{MAX_FILES} are read"
            )
        return list(found)


def _strings(data: Any) -> Iterator[str]:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
