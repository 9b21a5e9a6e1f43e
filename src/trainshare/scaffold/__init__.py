"""`trainshare init DIR`: a ready Pulumi project whose spec validates. Never overwrites a file."""

from __future__ import annotations

import json
import os
import re
import tempfile
from importlib import resources
from pathlib import Path

from trainshare import __version__
from trainshare.catalog import account_root_arn, role_arn
from trainshare.catalog.deploy_permissions import deploy_policy, trust_policy
from trainshare.errors import TrainshareError
from trainshare.plan import build_plan
from trainshare.plan.slices import ORG, Part, all_parts, stack_name
from trainshare.scaffold.requirement import installed_requirement
from trainshare.spec import Spec, load_spec
from trainshare.spec.schema import MODELINE, SCHEMA_FILE, spec_json_schema_text

# file written → its template in this package (".tmpl": {name}, {version} and {requirement} are
# filled in)
TEMPLATES = {
    "Pulumi.yaml": "Pulumi.yaml.tmpl",
    "__main__.py": "__main__.py.tmpl",
    "requirements.txt": "requirements.txt.tmpl",
    "trainshare.yaml": "trainshare.yaml",
}
# what `init` writes: the templates, and the spec's JSON Schema for editors
FILES = (*TEMPLATES, SCHEMA_FILE)


class ScaffoldError(TrainshareError):
    """The project cannot be written (a file is in the way, or the folder is not writable)."""


def project_name(folder: Path) -> str:
    """A Pulumi project name from the folder's name (letters, digits, `-`, `_`, `.`)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", folder.resolve().name).strip("-.")
    return name or "trainshare-project"


def render_project(
    folder: Path, spec_text: str | None = None, adopt: str | None = None
) -> dict[Path, str]:
    """The project's files and their text: the commented example spec unless `spec_text` is
    given; with `adopt` (an import file's name), the program adopts what that file lists."""
    name = project_name(folder)
    values = {
        "{name}": name,
        "{version}": __version__,
        "{requirement}": installed_requirement(),
        "{adopt}": "",
        "{adopt_comment}": "",
    }
    if adopt:
        values["{adopt}"] = f', adopt=HERE / "{adopt}"'
        values["{adopt_comment}"] = (
            f"# {adopt} lists the live resources this spec describes: `pulumi up`\n"
            "# imports them (keeping their IDs) instead of creating them. Keep it:\n"
            "# Pulumi ignores an import ID once the resource is in the stack.\n"
        )
    texts = {}
    for file, template in TEMPLATES.items():
        if file == "trainshare.yaml" and spec_text is not None:
            texts[folder / file] = spec_text
            continue
        text = resources.files(__package__).joinpath(template).read_text(encoding="utf-8")
        if template.endswith(".tmpl"):
            for placeholder, value in values.items():
                text = text.replace(placeholder, value)
        texts[folder / file] = text
    if spec_text is None:  # init: editors complete and check the spec against its schema
        spec = folder / "trainshare.yaml"
        texts[spec] = f"{MODELINE}\n{texts[spec]}"
        texts[folder / SCHEMA_FILE] = spec_json_schema_text()
    return texts


def write_files(texts: dict[Path, str], root: Path | None = None) -> list[Path]:
    """Write every file, or — if any already exists — none of them.

    A file is created, never opened if it exists: a symbolic link in its place, even one that
    points nowhere, counts as existing (the write would land wherever it points). Under `root`
    (the project's folder) no folder on the way to a file may be a symbolic link either.
    """
    existing = [t for t in texts if os.path.lexists(t)]
    if existing:
        names = ", ".join(str(t) for t in existing)
        raise ScaffoldError(
            f"{names} already exist(s); nothing was written — choose an empty "
            "folder or move those files"
        )
    if root is not None:
        _refuse_linked_folders(texts, root)
    target = root or Path()
    try:
        for target, text in texts.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            with os.fdopen(os.open(target, flags, 0o644), "w", encoding="utf-8") as stream:
                stream.write(text)
    except OSError as exc:
        raise ScaffoldError(f"cannot write {target}: {exc.strerror}") from None
    return list(texts)


def _refuse_linked_folders(texts: dict[Path, str], root: Path) -> None:
    for target in texts:
        try:
            inside = target.parent.relative_to(root)
        except ValueError:
            continue
        folder = root
        for part in inside.parts:
            folder = folder / part
            if folder.is_symlink():
                raise ScaffoldError(
                    f"{folder} is a symbolic link: files written through it would land outside "
                    f"{root}; nothing was written — remove the link or choose another folder"
                )


def init_project(folder: Path) -> list[Path]:
    """Write the project into `folder`; refuse, writing nothing, if any file already exists."""
    return write_files(render_project(folder), root=folder)


# -- stacks split by owner (`trainshare init --split`) ----------------------------------------

DEPLOY_ROLE = "trainshare-deploy"


def split_files(
    folder: Path, spec: Spec, deploy_role: str = DEPLOY_ROLE, org_stack: str = ORG
) -> dict[Path, str]:
    """The split layout of `spec`'s project: a stack config per slice (`Pulumi.org.yaml`,
    `Pulumi.owner-<id>-<region>.yaml`), `deploy.py` (the Automation API script that deploys
    them in order) and, per owner account, its deploy role (`deploy-roles/<id>.json`: trust and
    least-privilege policy) that the owner's stacks assume."""
    plan = build_plan(spec)
    org = spec.organization
    parts = all_parts(plan)
    texts: dict[Path, str] = {folder / f"Pulumi.{org_stack}.yaml": _org_stack_config(spec)}
    for part in parts[1:]:
        role = role_arn(org.partition, part.owner or "", deploy_role)
        texts[folder / f"Pulumi.{stack_name(part)}.yaml"] = _owner_stack_config(
            part, role, org_stack
        )
    deployer = account_root_arn(org.partition, org.management_account)
    for owner in dict.fromkeys(p.owner for p in parts[1:] if p.owner):
        role_file = {
            "RoleName": deploy_role,
            "Account": owner,
            "AssumeRolePolicyDocument": trust_policy(deployer),
            "Policy": deploy_policy("owner"),
        }
        texts[folder / "deploy-roles" / f"{owner}.json"] = json.dumps(role_file, indent=2) + "\n"
    script = resources.files(__package__).joinpath("deploy.py.tmpl").read_text(encoding="utf-8")
    texts[folder / "deploy.py"] = script
    return texts


def _org_stack_config(spec: Spec) -> str:
    org = spec.organization
    return (
        "# The organization's slice: OUs, accounts, guardrails, org sharing. Run it with the\n"
        f"# management account's ({org.management_account}) credentials, e.g. a profile:\n"
        "#   pulumi config set aws:profile <profile of the management account>\n"
        "# The policy it needs: docs/deploy-permissions/management.json in trainshare.\n"
        "config:\n"
        "  trainshare:part: org\n"
        f"  aws:region: {org.region}\n"
    )


def _owner_stack_config(part: Part, role: str, org_stack: str) -> str:
    return (
        f"# Account {part.owner}'s shares and resource policies in {part.region}. Its\n"
        f"# credentials: the deploy role {role}\n"
        f"# (deploy-roles/{part.owner}.json), assumed from whoever runs the stack;\n"
        "# allowed_account_ids stops a deploy with any other account's credentials.\n"
        "config:\n"
        f"  trainshare:part: {part}\n"
        f"  trainshare:orgStack: {org_stack}\n"
        f"  aws:region: {part.region}\n"
        "  aws:assumeRoles:\n"
        f"    - roleArn: {role}\n"
        "      sessionName: trainshare-deploy\n"
    )


def init_split(
    folder: Path, deploy_role: str = DEPLOY_ROLE, org_stack: str = ORG
) -> tuple[list[Path], Spec]:
    """`trainshare init --split`: the split layout for the project in `folder` (its
    trainshare.yaml), or — in a folder without one — a new project and its split layout.
    Writes nothing if any file is in the way."""
    spec_file = folder / "trainshare.yaml"
    texts: dict[Path, str] = {}
    if not spec_file.exists():
        texts = render_project(folder)
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch) / "trainshare.yaml").write_text(texts[spec_file], encoding="utf-8")
            spec = load_spec(Path(scratch) / "trainshare.yaml")
    else:
        spec = load_spec(spec_file)
    texts.update(split_files(folder, spec, deploy_role, org_stack))
    return write_files(texts, root=folder), spec
