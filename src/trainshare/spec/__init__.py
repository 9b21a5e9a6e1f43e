"""The spec: `trainshare.yaml` → a validated, resolved `Spec` (or every problem, located)."""

from trainshare.spec.builder import SpecBuilder
from trainshare.spec.resolved import (
    ROOT,
    Account,
    CapacityStatement,
    Guardrail,
    ManagedPolicy,
    Organization,
    Principal,
    PrincipalKind,
    Share,
    SharedResource,
    ShareKind,
    Spec,
    Unit,
    Unmanaged,
)
from trainshare.spec.validate import load_spec, validate_spec
from trainshare.yamlsource import load_yaml

__all__ = [
    "ROOT",
    "Account",
    "CapacityStatement",
    "Guardrail",
    "ManagedPolicy",
    "Organization",
    "Principal",
    "PrincipalKind",
    "Share",
    "ShareKind",
    "SharedResource",
    "Spec",
    "SpecBuilder",
    "Unit",
    "Unmanaged",
    "load_spec",
    "load_yaml",
    "validate_spec",
]
