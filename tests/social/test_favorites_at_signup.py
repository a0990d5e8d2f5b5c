import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from rubysound.accounts.services import signup_user
from rubysound.social.models import FAVORITES_TITLE, Playlist
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_signup_creates_exactly_one_favorites_playlist():
    user = signup_user(username="ada", email="ada@example.com", password="a-long-Passw0rd!")

    favorites = Playlist.objects.get(owner=user)
    assert favorites.is_favorites
    assert favorites.title == FAVORITES_TITLE


def test_a_failed_signup_leaves_no_playlist_behind():
    signup_user(username="ada", email="ada@example.com", password="a-long-Passw0rd!")
    with pytest.raises(ValidationError, match="taken"):
        signup_user(username="ADA", email="other@example.com", password="a-long-Passw0rd!")

    assert Playlist.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_migration_gives_existing_accounts_their_favorites():
    executor = MigrationExecutor(connection)
    executor.migrate([("social", "0001_initial")])
    executor.loader.build_graph()
    user = UserFactory(favorites=False)

    call_command("migrate", "social", verbosity=0)

    assert Playlist.objects.filter(owner=user, is_favorites=True).count() == 1
