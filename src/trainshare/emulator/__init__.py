"""An embedded AWS emulator (moto on loopback) and the Pulumi mocks bridge that deploys to it.

Imports pulumi and boto3; nothing in the pure layers imports this package.
"""

from trainshare.emulator.server import Emulator, running_emulator

__all__ = ["Emulator", "running_emulator"]
