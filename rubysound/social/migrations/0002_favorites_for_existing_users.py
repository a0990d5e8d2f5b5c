from django.db import migrations


def create_missing_favorites(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Playlist = apps.get_model("social", "Playlist")
    missing = User.objects.exclude(playlists__is_favorites=True).values_list("pk", flat=True)
    Playlist.objects.bulk_create(
        [Playlist(owner_id=pk, title="Favorites", is_favorites=True) for pk in missing.iterator()],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("social", "0001_initial")]

    operations = [migrations.RunPython(create_missing_favorites, migrations.RunPython.noop)]
