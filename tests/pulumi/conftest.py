from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from tests.pulumi.mocks import RecordingMocks


@pytest.fixture
def deploy() -> Callable[
    [Callable[[], Any]], tuple[RecordingMocks, dict[str, pulumi.ResourceOptions], Any]
]:
    """Run a Pulumi program under the mock runtime; return the mocks, each resource's options
    (captured by a stack transformation, as the SDK applies them) and the program's result."""

    def run(program: Callable[[], Any]):
        mocks = RecordingMocks()
        pulumi.runtime.set_mocks(mocks, project="trainshare-test", stack="test", preview=False)
        options: dict[str, pulumi.ResourceOptions] = {}

        def capture(args: pulumi.ResourceTransformationArgs) -> None:
            options[args.name] = args.opts

        result: dict[str, Any] = {}

        @pulumi.runtime.test
        def body():
            pulumi.runtime.register_stack_transformation(capture)
            value = program()
            return pulumi.Output.from_input(value).apply(lambda v: result.setdefault("v", v))

        body()
        return mocks, options, result.get("v")

    return run
