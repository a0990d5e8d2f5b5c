"""FieldsBuiltOnceMixin: a ModelSerializer's fields built once per class, copied per use."""

import pytest
from django.utils import translation
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from rubysound.accounts.serializers import MeSerializer
from rubysound.core.serializers import FieldsBuiltOnceMixin
from tests.factories import UserFactory


class RebuiltEveryTime(MeSerializer):
    """The same serializer without the mixin's saving: DRF's own behaviour."""

    def get_fields(self):
        return serializers.ModelSerializer.get_fields(self)


@pytest.fixture
def request_for():
    def make(user):
        request = APIRequestFactory().get("/api/users/me/")
        request.user = user
        return request

    return make


@pytest.mark.django_db
def test_output_is_what_drf_builds_from_scratch(request_for):
    user = UserFactory(bio="Listens to everything.", country="PT")
    context = {"request": request_for(user)}
    assert MeSerializer(user, context=context).data == RebuiltEveryTime(user, context=context).data


@pytest.mark.django_db
def test_each_serializer_gets_fields_of_its_own(request_for):
    first_user, second_user = UserFactory(), UserFactory()
    first = MeSerializer(first_user, context={"request": request_for(first_user)})
    second = MeSerializer(second_user, context={"request": request_for(second_user)})
    assert first.fields["bio"] is not second.fields["bio"]
    # A field reaches its context through its parent: shared fields would mix callers.
    assert first.fields["avatar_url"].parent is first
    assert second.fields["avatar_url"].parent is second
    assert first.data["username"] == first_user.username
    assert second.data["username"] == second_user.username


def test_messages_follow_the_language_of_each_use():
    with translation.override("en"):
        english = MeSerializer(data={"bio": "x" * 501}, partial=True)
        assert not english.is_valid()
    with translation.override("ru"):
        russian = MeSerializer(data={"bio": "x" * 501}, partial=True)
        assert not russian.is_valid()
    assert "500" in str(english.errors["bio"][0])
    assert str(english.errors["bio"][0]) != str(russian.errors["bio"][0])
    assert "символов" in str(russian.errors["bio"][0])


def test_a_subclass_builds_its_own_fields():
    class Parent(FieldsBuiltOnceMixin, serializers.Serializer):
        name = serializers.CharField()

    class Child(Parent):
        extra = serializers.IntegerField()

    assert set(Parent().fields) == {"name"}
    assert set(Child().fields) == {"name", "extra"}
    assert set(Parent().fields) == {"name"}
