"""``python manage.py compile_translations [--force]``: every .po under LOCALE_PATHS to .mo.

Django's own ``compilemessages`` needs GNU gettext's ``msgfmt`` on the machine; this uses
polib (pure Python), so ``make run`` and ``make test`` work wherever Python does. A catalogue
whose .mo is newer than its .po is left alone unless ``--force`` is given. Fuzzy and
untranslated entries are left out of the .mo, as msgfmt does, so they fall back to English.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    requires_system_checks = []
    help = "Compile every .po file under LOCALE_PATHS to .mo with polib (no GNU gettext needed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="compile even when the .mo is up to date"
        )

    def handle(self, *args, **options):
        compiled = up_to_date = 0
        for locale_path in map(Path, settings.LOCALE_PATHS):
            if not locale_path.is_dir():
                continue
            for po_path in sorted(locale_path.glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if (
                    not options["force"]
                    and mo_path.exists()
                    and mo_path.stat().st_mtime >= po_path.stat().st_mtime
                ):
                    up_to_date += 1
                    continue
                try:
                    catalogue = polib.pofile(str(po_path))
                except (OSError, ValueError) as error:
                    raise CommandError(f"{po_path}: {error}") from error
                catalogue.save_as_mofile(str(mo_path))
                compiled += 1
                self.stdout.write(
                    f"Compiled {po_path} → {mo_path.name} "
                    f"({len(catalogue.translated_entries())} translated, "
                    f"{len(catalogue.untranslated_entries())} untranslated, "
                    f"{len(catalogue.fuzzy_entries())} fuzzy)"
                )
        self.stdout.write(f"Translations: {compiled} compiled, {up_to_date} already up to date.")
