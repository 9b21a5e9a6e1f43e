"""The Pulumi component: `OrgSharing(name, spec)`. Imports pulumi and pulumi_aws."""

from trainshare.pulumi.component import RESOURCE_CLASSES, TYPE_TOKEN, OrgSharing

__all__ = ["RESOURCE_CLASSES", "TYPE_TOKEN", "OrgSharing"]
