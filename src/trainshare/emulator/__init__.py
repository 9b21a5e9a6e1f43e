"""An embedded AWS emulator (moto on loopback) and the Pulumi mocks bridge that deploys to it.

Imports pulumi and boto3; nothing in the pure layers imports this package. moto comes with the
extra `trainshare[emulator]`: without it, importing this package is a clear error saying so.
"""

from trainshare.errors import EmulatorNotInstalledError

try:
    import moto
    import moto.server  # noqa: F401  (moto[server]: flask and werkzeug)
except ImportError as exc:
    raise EmulatorNotInstalledError(
        f"the AWS emulator needs moto and its server, which are not installed ({exc.name} is "
        "missing) — install them with: pip install 'trainshare[emulator]'"
    ) from None

from trainshare.emulator.server import Emulator, running_emulator

__all__ = ["Emulator", "EmulatorNotInstalledError", "running_emulator"]
