"""What every service client shares: its settings, the shared transport, and refusing to
ask a service that is switched off."""

from .config import ServiceConfig, service_config
from .errors import ErrorKind, ProviderError
from .transport import Transport, default_transport


class ServiceClient:
    service: str
    # Last.fm and TheAudioDB are off without a key, whatever their switch says.
    needs_key = False

    def __init__(self, transport: Transport | None = None, config: ServiceConfig | None = None):
        self.transport = transport or default_transport()
        self.config = config or service_config(self.service)

    def _require_enabled(self) -> None:
        # Before anything else, so a switched-off service answers the same to every call.
        if not self.config.enabled or (self.needs_key and not self.config.api_key):
            raise ProviderError(self.service, ErrorKind.DISABLED)
