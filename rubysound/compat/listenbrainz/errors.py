"""ListenBrainz's error answers: ``{"code": <HTTP status>, "error": "<message>"}``."""

from django.http import JsonResponse


class ListenBrainzError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message

    def response(self) -> JsonResponse:
        return error_response(self.status, self.message)


def error_response(status: int, message: str) -> JsonResponse:
    return JsonResponse({"code": status, "error": message}, status=status)


def bad_request(message: str) -> ListenBrainzError:
    return ListenBrainzError(400, message)


def user_not_found(name: str) -> ListenBrainzError:
    return ListenBrainzError(404, f"Cannot find user: {name}")
