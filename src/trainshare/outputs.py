"""Files trainshare writes where a user said (`--snapshot-out`, `--html`, a folder to fill):
checked before the work that fills them, written whole or not at all, and every failure a clear
`OutputError`.

The companion of `inputs` (the bottom layer too: it imports nothing of trainshare's but
`errors`). `check_writable` (a file) and `check_folder` (a folder to fill) run before a long
audit or deploy, so a typo in a path does not cost the run; `write_text` writes beside the
target and renames it into place, so a failure halfway leaves any older file as it was. A
symbolic link (`/dev/stdout` is one), a device or a FIFO is written straight through, never
replaced.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from trainshare.errors import TrainshareError

_replace = os.replace  # (tests make it fail)


class OutputError(TrainshareError):
    """A file cannot be written where the user asked."""


def check_writable(path: Path, what: str) -> None:
    """Refuse, before any work, a path whose folder is missing, a folder, or not writable."""
    if path.is_dir():
        raise _error(path, what, "it is a folder", f"name a file, e.g. {path / _example(what)}")
    folder = path.parent
    if not folder.exists():
        raise _error(
            path, what, f"the folder {folder} does not exist", "create it, or choose another path"
        )
    if not folder.is_dir():
        raise _error(path, what, f"{folder} is not a folder", "choose another path")
    if not _writable(path if path.exists() else folder):
        raise _error(path, what, "permission denied", "choose a path you can write to")


def check_folder(path: Path, what: str) -> None:
    """Refuse, before any work, a folder to fill (`import --out`, `synth --out`, `init`) that
    is not a folder, lies under something that is not, or is in a folder that cannot be
    written: the nearest part of `path` that exists must be a folder you can write to."""
    existing = next((p for p in (path, *path.parents) if os.path.lexists(p)), None)
    if existing is None:
        return
    if not existing.is_dir():
        reason = "it is not a folder" if existing == path else f"{existing} is not a folder"
        raise _error(path, what, reason, "name a folder (it is created if missing)")
    if not _writable(existing):
        raise _error(path, what, "permission denied", "choose a folder you can write to")


def write_text(path: Path, text: str, what: str) -> None:
    """Write `text` (UTF-8) to `path` whole: into a new file beside it, renamed into place."""
    check_writable(path, what)
    if path.is_symlink() or (path.exists() and not path.is_file()):
        # a link (/dev/stdout is one), a device or a FIFO: written through, never replaced
        try:
            with path.open("w", encoding="utf-8") as stream:
                stream.write(text)
        except OSError as exc:
            raise _error(path, what, exc.strerror or str(exc), "choose another path") from None
        return
    scratch = None
    try:
        fd, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(scratch, _mode(path))  # mkstemp's 0600, else
        _replace(scratch, path)
        scratch = None
    except OSError as exc:
        fix = "free some space" if exc.errno == errno.ENOSPC else "choose a path you can write to"
        raise _error(path, what, exc.strerror or str(exc), fix) from None
    finally:
        if scratch is not None:
            with contextlib.suppress(OSError):
                os.unlink(scratch)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def _mode(path: Path) -> int:
    """The file's own mode if it exists, else what the umask gives a new file."""
    if path.exists():
        return path.stat().st_mode & 0o7777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _error(path: Path, what: str, reason: str, fix: str) -> OutputError:
    return OutputError(f"cannot write the {what} to {path}: {reason} — {fix}")


def _example(what: str) -> str:
    return "access.html" if "html" in what.lower() or "report" in what else "snapshot.json"


__all__ = ["OutputError", "check_folder", "check_writable", "write_text"]
