from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from .client_ip import configured_trusted_proxies, resolve_client_ip


class ClientIPMiddleware:
    """Rewrites REMOTE_ADDR to the client address our trusted proxies vouch for.

    Done once here so throttles, login lockouts and logs all agree on who the client is.
    """

    async_capable = True
    sync_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _resolve(self, request) -> None:
        meta = request.META
        meta["REMOTE_ADDR"] = resolve_client_ip(
            meta.get("REMOTE_ADDR", ""),
            meta.get("HTTP_X_FORWARDED_FOR"),
            configured_trusted_proxies(),
        )

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        self._resolve(request)
        return self.get_response(request)

    async def __acall__(self, request):
        self._resolve(request)
        return await self.get_response(request)
