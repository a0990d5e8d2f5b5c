"""The admin's tracks report has its own permission, given to staff one by one."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("social", "0002_favorites_for_existing_users")]

    operations = [
        migrations.AlterModelOptions(
            name="playlistitem",
            options={
                "ordering": ["playlist", "position"],
                "permissions": [("view_tracks_report", "Can view the tracks report")],
            },
        ),
    ]
