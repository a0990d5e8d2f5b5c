"""Usernames of any script: username_key, the NFKC case-folded identity, unique.

Existing names are ASCII (the old rule) and already unique regardless of case, so their
keys cannot collide.
"""

import unicodedata

import rubysound.accounts.models
from django.db import migrations, models


def _key(name: str) -> str:
    # rubysound.accounts.models.username_key_for, frozen here as migrations must be.
    stored = unicodedata.normalize("NFKC", name).strip()
    return unicodedata.normalize("NFKC", stored.casefold())


def fill_username_keys(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.only("pk", "username").iterator():
        User.objects.filter(pk=user.pk).update(username_key=_key(user.username))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_reserved_usernames"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=96, null=True),
        ),
        migrations.RunPython(fill_username_keys, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=96, unique=True),
        ),
        migrations.AlterField(
            model_name="user",
            name="username",
            field=models.CharField(
                error_messages={"unique": "That username is taken."},
                help_text=(
                    "3 to 32 characters: letters of any alphabet, digits, dots, dashes and "
                    "underscores."
                ),
                max_length=32,
                unique=True,
                validators=[
                    rubysound.accounts.models.username_validator,
                    rubysound.accounts.models.validate_username_not_reserved,
                ],
                verbose_name="username",
            ),
        ),
    ]
