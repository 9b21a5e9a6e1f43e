"""The `trainshare` line of a generated requirements.txt: one that installs this very trainshare,
also where trainshare is not (yet) on PyPI.

pip records where it installed a distribution from in `direct_url.json` (PEP 610, "Recording the
Direct URL Origin of installed distributions"): a wheel or archive file, a Git URL and commit,
or a local folder. That origin is the requirement; installed from an index, it is the pinned
version.
"""

from __future__ import annotations

import json
from importlib import metadata
from typing import Any

from trainshare import __version__

DISTRIBUTION = "trainshare"


def requirement_line(direct_url: str | None, version: str = __version__) -> str:
    """`trainshare==VERSION`, or `trainshare @ URL` for a distribution installed from a file,
    folder or VCS URL (`direct_url`: the text of its direct_url.json, or None)."""
    data: Any = None
    if direct_url:
        try:
            data = json.loads(direct_url)
        except ValueError:
            data = None
    url = data.get("url") if isinstance(data, dict) else None
    if not isinstance(url, str) or not url:
        return f"{DISTRIBUTION}=={version}"
    vcs = data.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str):
        commit = vcs.get("commit_id") or vcs.get("requested_revision")
        return f"{DISTRIBUTION} @ {vcs['vcs']}+{url}" + (f"@{commit}" if commit else "")
    return f"{DISTRIBUTION} @ {url}"


def installed_requirement() -> str:
    """The requirement that installs the trainshare running now."""
    try:
        direct_url = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct_url = None
    return requirement_line(direct_url)
