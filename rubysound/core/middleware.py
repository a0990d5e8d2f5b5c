from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.utils.deprecation import MiddlewareMixin

from .client_ip import configured_trusted_proxies, resolve_client_ip
from .errors import DomainError
from .views import domain_error


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


class DomainErrorMiddleware(MiddlewareMixin):
    """Answers a ``DomainError`` that a plain Django view let through (DRF views answer
    theirs in ``api_exception_handler``); views do not catch them.

    Listed last, so it is the first to see a view's exception: a refusal is an answer, not
    a failure for the middleware that counts exceptions.
    """

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError):
            return domain_error(request, exception)
        return None
