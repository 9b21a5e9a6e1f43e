"""The emulator in your own tests: pytest fixtures, and the context managers behind them.

    # conftest.py
    pytest_plugins = ["trainshare.emulator.testing"]

Fixtures (each starts its own emulator on 127.0.0.1 and a free port, and stops it after the
test):
- `trainshare_spec`: the path of the spec; `trainshare.yaml` in pytest's rootdir unless you
  override the fixture.
- `trainshare_emulator`: the emulator, seeded with the world the spec assumes exists (the
  organization, the OUs and accounts it adopts by ID, the resources of its policy shares) — what
  your own Pulumi program can deploy into through `EmulatorMocks`.
- `trainshare_deployed`: the same, with the spec deployed by OrgSharing, as `pulumi up` would.

Assert with `emulator.client(service, account_id, region)`, boto3 clients acting as that
account (the management account by default).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from trainshare.emulator.demo import deploy
from trainshare.emulator.server import Emulator, running_emulator
from trainshare.emulator.world import seed_world
from trainshare.spec import Spec, load_spec


@contextmanager
def seeded_emulator(spec: Spec) -> Iterator[Emulator]:
    """An emulator holding what `spec` references but does not create."""
    with running_emulator(spec.organization.management_account) as emulator:
        seed_world(emulator, spec)
        yield emulator


@contextmanager
def deployed_emulator(spec: Spec) -> Iterator[Emulator]:
    """A seeded emulator into which `spec` was deployed with OrgSharing."""
    with seeded_emulator(spec) as emulator:
        deploy(emulator, spec, lambda _: None)
        yield emulator


@pytest.fixture
def trainshare_spec(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.rootpath) / "trainshare.yaml"


@pytest.fixture
def trainshare_emulator(trainshare_spec: Path) -> Iterator[Emulator]:
    with seeded_emulator(load_spec(trainshare_spec)) as emulator:
        yield emulator


@pytest.fixture
def trainshare_deployed(trainshare_spec: Path) -> Iterator[Emulator]:
    with deployed_emulator(load_spec(trainshare_spec)) as emulator:
        yield emulator
