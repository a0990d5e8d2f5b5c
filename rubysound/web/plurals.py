"""Counted words for the page scripts, in the visitor's language ("1 трек", "3 трека", "5 треков").

Templates and views count with ``blocktranslate count`` / ``ngettext``. Scripts count numbers
that change on the page (live likes, suggestions), so they get each message as a table of
its forms keyed by the CLDR plural categories that ``Intl.PluralRules`` answers with
(``static/js/plurals.js`` picks the form). The forms come from the gettext catalogue: for each
category, ``ngettext`` with a number of that category. Only integers are ever counted, so
categories reached by fractions alone (Russian "other") are left out.

The messages live here, written out as ``ngettext`` calls, so ``makemessages`` finds them.
"""

from collections.abc import Callable

from django.utils.translation import get_language, ngettext

# A whole number of each category that has one, per language (CLDR plural rules).
CATEGORY_EXAMPLES = {
    "en": {"one": 1, "other": 2},
    "ru": {"one": 1, "few": 2, "many": 5},
}
DEFAULT_LANGUAGE = "en"

MESSAGES: dict[str, Callable[[int], str]] = {
    "artists": lambda n: ngettext("%(count)s artist", "%(count)s artists", n),
    "tracks": lambda n: ngettext("%(count)s track", "%(count)s tracks", n),
    "listeners": lambda n: ngettext("%(count)s listener", "%(count)s listeners", n),
    "moreNotifications": lambda n: ngettext(
        "%(count)s more notification loaded.", "%(count)s more notifications loaded.", n
    ),
    # The word alone: the number is an element of its own, updated live.
    "likesWord": lambda n: ngettext("like", "likes", n),
    # An import's progress; %(done)s is filled in by the page's script.
    "importedOf": lambda n: ngettext(
        "Imported %(done)s of %(count)s listen", "Imported %(done)s of %(count)s listens", n
    ),
    # The comment rate limit, with the wait the server named (Retry-After).
    "tooFastSeconds": lambda n: ngettext(
        "You're commenting too fast. Try again in %(count)s second.",
        "You're commenting too fast. Try again in %(count)s seconds.",
        n,
    ),
}


def plural_table(name: str) -> dict[str, str]:
    """``{category: text}`` of message ``name`` in the active language."""
    message = MESSAGES[name]
    language = (get_language() or DEFAULT_LANGUAGE).split("-")[0]
    examples = CATEGORY_EXAMPLES.get(language, CATEGORY_EXAMPLES[DEFAULT_LANGUAGE])
    return {category: message(number) for category, number in examples.items()}


def plural_tables(*names: str) -> dict[str, dict[str, str]]:
    return {name: plural_table(name) for name in names}
