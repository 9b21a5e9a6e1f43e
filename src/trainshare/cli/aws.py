"""What the commands that read AWS (`audit`, `capacity`, `import`) share: the options that say
how to reach it, and the read itself, with its progress and the count of the calls it made.

boto3 loads only inside `reading` (validate, plan and access start without it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from trainshare.cli.common import err
from trainshare.cli.progress import Step, progress

if TYPE_CHECKING:
    from trainshare.audit import ClientFactory

DEFAULT_REGION = "us-east-1"
# Every command that reads AWS takes these three, meaning what they mean to the AWS CLI; unset,
# the AWS SDK's own settings apply (AWS_PROFILE, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL, config).
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        help="AWS profile of the management account (default: AWS_PROFILE, or the default "
        "credential chain).",
    ),
]
RegionOpt = Annotated[
    str | None,
    typer.Option(
        metavar="REGION",
        help="AWS Region of the calls (default: the profile's, AWS_DEFAULT_REGION, else "
        f"{DEFAULT_REGION}).",
    ),
]
EndpointOpt = Annotated[
    str | None,
    typer.Option(
        metavar="URL",
        help="Send every call to this endpoint, e.g. `trainshare emulator`'s, instead of AWS "
        "(default: AWS_ENDPOINT_URL).",
    ),
]
MaxSecondsOpt = Annotated[float, typer.Option(help="Give up on a throttled call after this long.")]


@contextmanager
def reading(
    what: str, profile: str | None, region: str | None, endpoint_url: str | None, seconds: float
) -> Iterator[tuple[ClientFactory, Step]]:
    """Clients for the options above and a progress step, to read `what` with; when the read
    is done, `read with N API calls` on stderr."""
    from trainshare.audit import ClientFactory

    factory = ClientFactory.for_profile(profile, region, endpoint_url, seconds)
    with progress(f"reading {what}") as step:
        yield factory, step
    err.print(f"read with {sum(factory.calls.values())} API calls", markup=False)
