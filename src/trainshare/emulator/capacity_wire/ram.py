"""RAM sharing of Capacity Reservation ARNs, hooked into moto's RAM: a reservation RAM may not
share is refused or its association left FAILED with the reason (`CapacityWorld.refusal`), and
open reservations take in or let go of consumers' instances as shares grow and shrink
(sharing-cr, unsharing-cr).
"""

from __future__ import annotations

from typing import Any

from moto.ram import models as ram_models
from moto.ram.responses import ResourceAccessManagerResponse

from trainshare.emulator.capacity.store import WORLD


def _check_capacity(share: Any) -> None:
    failed: dict[str, str] = {}
    for arn in share.resource_arns:
        if ":capacity-reservation/" in arn:
            reason = WORLD.refusal(share, arn)
            if reason:
                failed[arn] = reason
    share.trainshare_failed = failed


def ram_checks_capacity() -> None:
    add_resources = ram_models.ResourceShare.add_resources
    add_principals = ram_models.ResourceShare.add_principals

    def resources(self: Any, resource_arns: list[str]) -> None:
        with WORLD.lock:
            for arn in resource_arns:
                if ":capacity-reservation/" in arn:
                    WORLD.refusal(self, arn)  # an unknown one is refused before anything changes
            add_resources(self, resource_arns)
            _check_capacity(self)

    def principals(self: Any, names: list[str]) -> None:
        with WORLD.lock:
            add_principals(self, names)
            _check_capacity(self)

    setattr(ram_models.ResourceShare, "add_resources", resources)  # noqa: B010
    setattr(ram_models.ResourceShare, "add_principals", principals)  # noqa: B010

    associations = ram_models.ResourceAccessManagerBackend.get_resource_share_associations

    def get_associations(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        answer: dict[str, Any] = associations(self, *args, **kwargs)
        shares = {s.arn: s for s in self.resource_shares}
        for item in answer.get("resourceShareAssociations", []):
            share = shares.get(item.get("resourceShareArn"))
            reason = getattr(share, "trainshare_failed", {}).get(item.get("associatedEntity"))
            if item.get("associationType") == "RESOURCE" and reason:
                item["status"], item["statusMessage"] = "FAILED", reason
        return answer

    setattr(  # noqa: B010
        ram_models.ResourceAccessManagerBackend, "get_resource_share_associations", get_associations
    )

    # Once a share is in place (moto files a new share after adding its members), open
    # reservations take in the matching instances it now reaches; once it shrinks, consumers it
    # no longer reaches leave the reservations.
    for name, after in (
        ("create_resource_share", WORLD.absorb_region),
        ("associate_resource_share", WORLD.absorb_region),
        ("disassociate_resource_share", WORLD.release_unreachable),
        ("delete_resource_share", WORLD.release_unreachable),
    ):
        original = getattr(ResourceAccessManagerResponse, name)

        def hooked(self: Any, _original: Any = original, _after: Any = after) -> Any:
            answer = _original(self)
            _after(self.region)
            return answer

        setattr(ResourceAccessManagerResponse, name, hooked)
