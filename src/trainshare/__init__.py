"""trainshare: share AI-training resources across an AWS Organization, as Pulumi code."""

__version__ = "0.2.0"
