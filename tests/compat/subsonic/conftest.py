"""Helpers of the Subsonic API tests: a user with an app password, and one call of an
operation in XML or JSON."""

import hashlib
import json
from xml.etree import ElementTree

import pytest
from django.test import Client

from rubysound.accounts import services as account_services

NS = "{http://subsonic.org/restapi}"


class Subsonic:
    """Calls ``/rest/<op>`` as an app would, with token auth by default."""

    def __init__(self, client: Client, username: str, secret: str):
        self.client = client
        self.username = username
        self.secret = secret

    def credentials(self, mechanism: str = "token") -> dict:
        if mechanism == "token":
            salt = "c19b2d"
            token = hashlib.md5((self.secret + salt).encode()).hexdigest()  # noqa: S324
            return {"u": self.username, "t": token, "s": salt}
        if mechanism == "plain":
            return {"u": self.username, "p": self.secret}
        if mechanism == "enc":
            return {"u": self.username, "p": "enc:" + self.secret.encode().hex()}
        if mechanism == "none":
            return {}
        raise ValueError(mechanism)

    def raw(self, op: str, params=None, *, method: str = "get", auth: str = "token", **extra):
        query = {"c": "tests", "v": "1.16.1", **self.credentials(auth), **(params or {})}
        if method == "post":
            return self.client.post(f"/rest/{op}", query, **extra)
        return self.client.get(f"/rest/{op}", query, **extra)

    def json(self, op: str, params=None, **kwargs) -> dict:
        response = self.raw(op, {"f": "json", **(params or {})}, **kwargs)
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)["subsonic-response"]

    def ok(self, op: str, params=None, **kwargs) -> dict:
        body = self.json(op, params, **kwargs)
        assert body["status"] == "ok", body
        return body

    def error(self, op: str, params=None, **kwargs) -> dict:
        body = self.json(op, params, **kwargs)
        assert body["status"] == "failed", body
        return body["error"]

    def xml(self, op: str, params=None, **kwargs) -> ElementTree.Element:
        response = self.raw(op, params, **kwargs)
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"].startswith("text/xml")
        return ElementTree.fromstring(response.content)  # noqa: S314 - our own answer


@pytest.fixture
def app_secret(user) -> str:
    _, secret = account_services.create_app_password(user, "Phone")
    return secret


@pytest.fixture
def subsonic(user, app_secret) -> Subsonic:
    return Subsonic(Client(), user.username, app_secret)
