"""Helpers of the ListenBrainz API tests: a user with a token, and calls as a client makes
them (the body JSON, whatever the Content-Type)."""

import json
import time

import pytest

from rubysound.accounts import services as account_services
from tests.factories import UserFactory


class ListenBrainzClient:
    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def headers(self, token: str | None = None) -> dict:
        token = token if token is not None else self.token
        return {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}

    def submit(self, document, *, token=None, content_type="application/json"):
        body = document if isinstance(document, (bytes, str)) else json.dumps(document)
        return self.client.post(
            "/1/submit-listens", body, content_type=content_type, **self.headers(token)
        )

    def get(self, path: str, params=None, *, token=None):
        return self.client.get(path, params or {}, **self.headers(token))


def listen(artist="Nina Simone", track="Sinnerman", *, at=None, **extra) -> dict:
    metadata = {"artist_name": artist, "track_name": track}
    info = extra.pop("additional_info", None)
    release = extra.pop("release_name", None)
    if release:
        metadata["release_name"] = release
    if info is not None:
        metadata["additional_info"] = info
    document = {"track_metadata": metadata, **extra}
    if at is not False:
        document["listened_at"] = at if at is not None else int(time.time()) - 600
    return document


def submission(listen_type: str, *listens) -> dict:
    return {"listen_type": listen_type, "payload": list(listens)}


@pytest.fixture
def listener():
    return UserFactory(username="nina", is_public_listening=True)


@pytest.fixture
def token(listener):
    _, key = account_services.create_api_key(listener, "scrobbler")
    return key


@pytest.fixture
def lb(client, token):
    return ListenBrainzClient(client, token)
