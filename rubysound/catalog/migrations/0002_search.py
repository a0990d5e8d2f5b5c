"""Search structures for rubysound.catalog.search.engine, one set per database vendor.

Both vendors get the same things, kept in sync by triggers (so bulk_create, queryset
update/delete, raw SQL and COPY are covered, not only Model.save()):

* a search document per track (normalised title, artist name, album title), per album
  (title, artist name) and per artist (name), indexed for substring matching by trigrams:
  PostgreSQL: side tables catalog_search_track / _album / _artist (id, key, doc) with
  pg_trgm GIN indexes on doc, maintained by statement-level triggers (one set-based pass
  per statement, so a COPY of a million rows is one pass);
  SQLite: FTS5 tables with the trigram tokenizer (catalog_search_*_fts), row triggers.
* a lexicon of the catalog's words with their one-deletion variants
  (catalog_search_word, catalog_search_variant) for typo tolerance: a query word with one
  wrong, missing or extra letter shares a variant with the word it means. Insert-only:
  words that leave the catalog stay (they only cost a candidate that matches nothing).
* byte-ordered btree indexes on the folded keys for exact and prefix matches in a stable
  order ("C" collation on PostgreSQL; SQLite's BINARY collation already is byte order),
  and (artist_id | album_id, title_key) indexes that list an artist's or album's tracks
  in title order.

These objects are not in Django's model state: the migration owns them, and reverses.
"Normalised" means: the folded key with apostrophes and dots removed, other punctuation
turned into spaces, runs of spaces made one, and a leading space so that " word" matches
at the start of a word.
The character lists below must stay identical to TOKEN_SPACE / TOKEN_DELETE in
rubysound/catalog/search/query.py (they are copied, not imported: a migration is frozen history).
"""

# ruff: noqa: S608, S105 (constant SQL text built from this module's own fragments)

from django.db import migrations

TOKEN_DELETE = "'’‘ʼ."
TOKEN_SPACE = '!"#$%&()*+,-/:;<=>?@[\\]^_`{|}~“”„«»‹›–—…¿¡·•'
LEXICON_MIN, LEXICON_MAX = 3, 40


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- SQLite ----------------------------------------------------------------------------


def _sqlite_norm(expr: str) -> str:
    """SQLite has no translate(): nested replace() calls, ten per subquery level (the
    parser's stack overflows somewhere past twenty-five nested calls)."""
    pairs = [(char, " ") for char in TOKEN_SPACE] + [(char, "") for char in TOKEN_DELETE]
    inner = f"SELECT {expr} AS v"
    for start in range(0, len(pairs), 10):
        call = "v"
        for char, replacement in pairs[start : start + 10]:
            call = f"replace({call}, {_lit(char)}, {_lit(replacement)})"
        inner = f"SELECT {call} AS v FROM ({inner})"
    # Runs of spaces become one (eight halvings cover the 255 characters of a key).
    collapse = "trim(v)"
    for _ in range(8):
        collapse = f"replace({collapse}, '  ', ' ')"
    return f"(SELECT ' ' || {collapse} FROM ({inner}))"


def _sqlite_words(normalized: str) -> str:
    """The space-separated words of a normalised text as a json_each() table.

    Triggers cannot use recursive CTEs; json_quote() escapes whatever the text holds, and
    spaces (never escaped) become element boundaries.
    """
    return f"""json_each('[' || replace(json_quote({normalized}), ' ', '","') || ']')"""


def _sqlite_learn(normalized: str) -> list[str]:
    words = _sqlite_words(normalized)
    return [
        # Variants only for words the lexicon does not hold yet (the cheap common case
        # is a known word: one primary-key probe).
        # CROSS JOIN keeps the word list outside: evaluated once, not once per position.
        f"""INSERT OR IGNORE INTO catalog_search_variant (variant, word)
        SELECT CASE WHEN s.i = 0 THEN j.value
                    ELSE substr(j.value, 1, s.i - 1) || substr(j.value, s.i + 1) END,
               j.value
        FROM (
            SELECT DISTINCT value FROM {words}
            WHERE length(value) BETWEEN {LEXICON_MIN} AND {LEXICON_MAX}
              AND NOT EXISTS (SELECT 1 FROM catalog_search_word AS w WHERE w.word = value)
        ) AS j CROSS JOIN catalog_search_seq AS s
        WHERE s.i <= length(j.value)""",
        f"""INSERT OR IGNORE INTO catalog_search_word (word)
        SELECT value FROM {words} WHERE length(value) BETWEEN {LEXICON_MIN} AND {LEXICON_MAX}""",
    ]


# Normalised texts are computed once, when a row enters its FTS table, and read back from
# there (a rowid lookup) by the other statements: the replace() chain is not cheap.
def _artist_text(artist_id: str) -> str:
    return f"(SELECT name FROM catalog_search_artist_fts WHERE rowid = {artist_id})"


def _album_text(album_id: str) -> str:
    return f"(SELECT title FROM catalog_search_album_fts WHERE rowid = {album_id})"


def _track_text(track_id: str) -> str:
    return f"(SELECT title FROM catalog_search_track_fts WHERE rowid = {track_id})"


def _sqlite_track_row(track: str) -> str:
    return f"""INSERT INTO catalog_search_track_fts (rowid, title, artist, album)
        VALUES ({track}.id, {_sqlite_norm(f"{track}.title_key")},
            coalesce({_artist_text(f"{track}.artist_id")}, ''),
            coalesce({_album_text(f"{track}.album_id")}, ''))"""


def _sqlite_album_row(album: str) -> str:
    return f"""INSERT INTO catalog_search_album_fts (rowid, title, artist)
        VALUES ({album}.id, {_sqlite_norm(f"{album}.title_key")},
            coalesce({_artist_text(f"{album}.artist_id")}, ''))"""


def _sqlite_trigger(name: str, event: str, table: str, body: list[str], when: str = "") -> str:
    when_clause = f"WHEN {when}" if when else ""
    statements = ";\n    ".join(body)
    return f"""CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when_clause}
    BEGIN
    {statements};
    END"""


def _sqlite_forward() -> list[str]:
    return [*_sqlite_tables(), *sqlite_triggers()]


def _sqlite_tables() -> list[str]:
    return [
        "CREATE TABLE catalog_search_word (word TEXT NOT NULL PRIMARY KEY) WITHOUT ROWID",
        """CREATE TABLE catalog_search_variant (
            variant TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY (variant, word)
        ) WITHOUT ROWID""",
        "CREATE TABLE catalog_search_seq (i INTEGER NOT NULL PRIMARY KEY)",
        "INSERT INTO catalog_search_seq (i) VALUES "
        + ", ".join(f"({i})" for i in range(LEXICON_MAX + 1)),
        "CREATE INDEX catalog_album_search_title ON catalog_album (title_key)",
        # An artist's (album's) tracks in title order, straight from the index.
        "CREATE INDEX catalog_track_search_artist ON catalog_track (artist_id, title_key)",
        "CREATE INDEX catalog_track_search_album ON catalog_track (album_id, title_key)",
        # case_sensitive 1: the text is folded already; matching stays byte-exact, as LIKE
        # is on PostgreSQL, so both vendors answer the same.
        """CREATE VIRTUAL TABLE catalog_search_track_fts USING fts5(
            title, artist, album, tokenize = 'trigram case_sensitive 1')""",
        """CREATE VIRTUAL TABLE catalog_search_album_fts USING fts5(
            title, artist, tokenize = 'trigram case_sensitive 1')""",
        """CREATE VIRTUAL TABLE catalog_search_artist_fts USING fts5(
            name, tokenize = 'trigram case_sensitive 1')""",
        # What is already there.
        f"""INSERT INTO catalog_search_artist_fts (rowid, name)
            SELECT id, {_sqlite_norm("name_key")} FROM catalog_artist""",
        f"""INSERT INTO catalog_search_album_fts (rowid, title, artist)
            SELECT b.id, {_sqlite_norm("b.title_key")}, coalesce({_sqlite_norm("a.name_key")}, '')
            FROM catalog_album AS b LEFT JOIN catalog_artist AS a ON a.id = b.artist_id""",
        f"""INSERT INTO catalog_search_track_fts (rowid, title, artist, album)
            SELECT t.id, {_sqlite_norm("t.title_key")},
                   coalesce({_sqlite_norm("a.name_key")}, ''),
                   coalesce({_sqlite_norm("b.title_key")}, '')
            FROM catalog_track AS t
            LEFT JOIN catalog_artist AS a ON a.id = t.artist_id
            LEFT JOIN catalog_album AS b ON b.id = t.album_id""",
        f"""INSERT OR IGNORE INTO catalog_search_word (word)
            SELECT j.value FROM (
                SELECT title_key AS k FROM catalog_track
                UNION SELECT name_key FROM catalog_artist
                UNION SELECT title_key FROM catalog_album
            ) AS src, {_sqlite_words(_sqlite_norm("src.k"))} AS j
            WHERE length(j.value) BETWEEN {LEXICON_MIN} AND {LEXICON_MAX}""",
        """INSERT OR IGNORE INTO catalog_search_variant (variant, word)
            SELECT CASE WHEN s.i = 0 THEN w.word
                        ELSE substr(w.word, 1, s.i - 1) || substr(w.word, s.i + 1) END,
                   w.word
            FROM catalog_search_word AS w JOIN catalog_search_seq AS s ON s.i <= length(w.word)""",
    ]


def sqlite_triggers() -> list[str]:
    """The CREATE TRIGGER statements, on their own.

    SQLite drops a table's triggers with the table, and Django rebuilds a table for most
    schema changes on SQLite: a later migration that alters catalog_track, catalog_artist
    or catalog_album must run these again afterwards (RunPython, SQLite only), e.g.
    ``importlib.import_module("rubysound.catalog.migrations.0002_search").sqlite_triggers()``
    (tests/catalog/search/test_engine.py checks that the triggers are there).
    """
    artist_name = _artist_text("new.id")
    album_title = _album_text("new.id")
    return [
        # Tracks.
        _sqlite_trigger(
            "catalog_search_track_ai",
            "INSERT",
            "catalog_track",
            [_sqlite_track_row("new"), *_sqlite_learn(_track_text("new.id"))],
        ),
        _sqlite_trigger(
            "catalog_search_track_au",
            "UPDATE",
            "catalog_track",
            [
                "DELETE FROM catalog_search_track_fts WHERE rowid = old.id",
                _sqlite_track_row("new"),
                *_sqlite_learn(_track_text("new.id")),
            ],
            when="old.id IS NOT new.id OR old.title_key IS NOT new.title_key "
            "OR old.artist_id IS NOT new.artist_id OR old.album_id IS NOT new.album_id",
        ),
        _sqlite_trigger(
            "catalog_search_track_ad",
            "DELETE",
            "catalog_track",
            ["DELETE FROM catalog_search_track_fts WHERE rowid = old.id"],
        ),
        # Artists: their own row, and the documents of their tracks and albums (an artist
        # inserted after its tracks, as deferred foreign keys allow, is covered too).
        _sqlite_trigger(
            "catalog_search_artist_ai",
            "INSERT",
            "catalog_artist",
            [
                "INSERT INTO catalog_search_artist_fts (rowid, name) "
                f"VALUES (new.id, {_sqlite_norm('new.name_key')})",
                f"""UPDATE catalog_search_track_fts SET artist = {artist_name}
                WHERE rowid IN (SELECT id FROM catalog_track WHERE artist_id = new.id)""",
                f"""UPDATE catalog_search_album_fts SET artist = {artist_name}
                WHERE rowid IN (SELECT id FROM catalog_album WHERE artist_id = new.id)""",
                *_sqlite_learn(artist_name),
            ],
        ),
        _sqlite_trigger(
            "catalog_search_artist_au",
            "UPDATE",
            "catalog_artist",
            [
                "DELETE FROM catalog_search_artist_fts WHERE rowid = old.id",
                "INSERT INTO catalog_search_artist_fts (rowid, name) "
                f"VALUES (new.id, {_sqlite_norm('new.name_key')})",
                f"""UPDATE catalog_search_track_fts SET artist = {artist_name}
                WHERE rowid IN (SELECT id FROM catalog_track WHERE artist_id = new.id)""",
                f"""UPDATE catalog_search_album_fts SET artist = {artist_name}
                WHERE rowid IN (SELECT id FROM catalog_album WHERE artist_id = new.id)""",
                *_sqlite_learn(artist_name),
            ],
            when="old.id IS NOT new.id OR old.name_key IS NOT new.name_key",
        ),
        _sqlite_trigger(
            "catalog_search_artist_ad",
            "DELETE",
            "catalog_artist",
            ["DELETE FROM catalog_search_artist_fts WHERE rowid = old.id"],
        ),
        # Albums: their own row, and the album column of their tracks' documents.
        _sqlite_trigger(
            "catalog_search_album_ai",
            "INSERT",
            "catalog_album",
            [
                _sqlite_album_row("new"),
                f"""UPDATE catalog_search_track_fts SET album = {album_title}
                WHERE rowid IN (SELECT id FROM catalog_track WHERE album_id = new.id)""",
                *_sqlite_learn(album_title),
            ],
        ),
        _sqlite_trigger(
            "catalog_search_album_au",
            "UPDATE",
            "catalog_album",
            [
                "DELETE FROM catalog_search_album_fts WHERE rowid = old.id",
                _sqlite_album_row("new"),
                f"""UPDATE catalog_search_track_fts SET album = {album_title}
                WHERE rowid IN (SELECT id FROM catalog_track WHERE album_id = new.id)""",
                *_sqlite_learn(album_title),
            ],
            when="old.id IS NOT new.id OR old.title_key IS NOT new.title_key "
            "OR old.artist_id IS NOT new.artist_id",
        ),
        _sqlite_trigger(
            "catalog_search_album_ad",
            "DELETE",
            "catalog_album",
            ["DELETE FROM catalog_search_album_fts WHERE rowid = old.id"],
        ),
    ]


SQLITE_BACKWARD = [
    *(
        f"DROP TRIGGER IF EXISTS catalog_search_{table}_{event}"
        for table in ("track", "artist", "album")
        for event in ("ai", "au", "ad")
    ),
    "DROP TABLE IF EXISTS catalog_search_track_fts",
    "DROP TABLE IF EXISTS catalog_search_album_fts",
    "DROP TABLE IF EXISTS catalog_search_artist_fts",
    "DROP INDEX IF EXISTS catalog_album_search_title",
    "DROP INDEX IF EXISTS catalog_track_search_artist",
    "DROP INDEX IF EXISTS catalog_track_search_album",
    "DROP TABLE IF EXISTS catalog_search_seq",
    "DROP TABLE IF EXISTS catalog_search_variant",
    "DROP TABLE IF EXISTS catalog_search_word",
]


# --- PostgreSQL ------------------------------------------------------------------------
#
# One side table per kind (catalog_search_track / _album / _artist): the key used to order
# results and the normalised document, GIN-indexed by trigrams. Documents are computed by
# the triggers, so a query never evaluates the normaliser per row.

PG_TRACK_DOC = (
    "rubysound_search_norm(t.title_key) || E'\\n'"
    " || coalesce(rubysound_search_norm(a.name_key), '') || E'\\n'"
    " || coalesce(rubysound_search_norm(b.title_key), '')"
)
PG_ALBUM_DOC = (
    "rubysound_search_norm(b.title_key) || E'\\n'"
    " || coalesce(rubysound_search_norm(a.name_key), '')"
)


def _pg_upsert_tracks(source: str, where: str) -> str:
    """Write the documents of the tracks in `source` (aliased t) that match `where`."""
    return f"""
    INSERT INTO catalog_search_track (track_id, title_key, doc)
    SELECT t.id, t.title_key, {PG_TRACK_DOC}
    FROM {source}
    LEFT JOIN catalog_artist a ON a.id = t.artist_id
    LEFT JOIN catalog_album b ON b.id = t.album_id
    WHERE {where}
    ON CONFLICT (track_id) DO UPDATE SET title_key = EXCLUDED.title_key, doc = EXCLUDED.doc;"""


def _pg_upsert_albums(source: str, where: str) -> str:
    return f"""
    INSERT INTO catalog_search_album (album_id, title_key, doc)
    SELECT b.id, b.title_key, {PG_ALBUM_DOC}
    FROM {source}
    LEFT JOIN catalog_artist a ON a.id = b.artist_id
    WHERE {where}
    ON CONFLICT (album_id) DO UPDATE SET title_key = EXCLUDED.title_key, doc = EXCLUDED.doc;"""


def _pg_upsert_artists(source: str, where: str) -> str:
    return f"""
    INSERT INTO catalog_search_artist (artist_id, name_key, doc)
    SELECT a.id, a.name_key, rubysound_search_norm(a.name_key)
    FROM {source}
    WHERE {where}
    ON CONFLICT (artist_id) DO UPDATE SET name_key = EXCLUDED.name_key, doc = EXCLUDED.doc;"""


def _pg_trigger(name: str, event: str, table: str, body: str) -> list[str]:
    """A statement-level trigger: one set-based pass per INSERT/UPDATE/DELETE/COPY."""
    referencing = {
        "INSERT": "REFERENCING NEW TABLE AS new_rows",
        "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE": "REFERENCING OLD TABLE AS old_rows",
        "TRUNCATE": "",
    }[event]
    return [
        f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
        {body}
        RETURN NULL;
        END
        $body$""",
        f"""CREATE TRIGGER {name} AFTER {event} ON {table} {referencing}
        FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
    ]


def _pg_learn(select: str) -> str:
    return f"\nPERFORM rubysound_search_learn(ARRAY({select}));"


CHANGED = "SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {condition}"
TRACK_CHANGED = (
    "(t.title_key, t.artist_id, t.album_id) IS DISTINCT FROM (o.title_key, o.artist_id, o.album_id)"
)
PG_TRIGGERS = {
    "catalog_track": {
        "INSERT": _pg_upsert_tracks("new_rows t", "true")
        + _pg_learn("SELECT title_key::text FROM new_rows"),
        "UPDATE": _pg_upsert_tracks("new_rows t JOIN old_rows o ON o.id = t.id", TRACK_CHANGED)
        + _pg_learn(
            CHANGED.format(condition="n.title_key IS DISTINCT FROM o.title_key").replace(
                "SELECT n.id", "SELECT n.title_key::text"
            )
        ),
        "DELETE": "DELETE FROM catalog_search_track WHERE track_id IN (SELECT id FROM old_rows);",
        "TRUNCATE": "TRUNCATE catalog_search_track;",
    },
    # Artists: their own document, and those of their tracks and albums (also on insert,
    # for rows written before their artist under deferred foreign keys).
    "catalog_artist": {
        "INSERT": _pg_upsert_artists("new_rows a", "true")
        + _pg_upsert_tracks("catalog_track t", "t.artist_id IN (SELECT id FROM new_rows)")
        + _pg_upsert_albums("catalog_album b", "b.artist_id IN (SELECT id FROM new_rows)")
        + _pg_learn("SELECT name_key::text FROM new_rows"),
        "UPDATE": _pg_upsert_artists(
            "new_rows a JOIN old_rows o ON o.id = a.id", "a.name_key IS DISTINCT FROM o.name_key"
        )
        + _pg_upsert_tracks(
            "catalog_track t",
            "t.artist_id IN ("
            + CHANGED.format(condition="n.name_key IS DISTINCT FROM o.name_key")
            + ")",
        )
        + _pg_upsert_albums(
            "catalog_album b",
            "b.artist_id IN ("
            + CHANGED.format(condition="n.name_key IS DISTINCT FROM o.name_key")
            + ")",
        )
        + _pg_learn(
            CHANGED.format(condition="n.name_key IS DISTINCT FROM o.name_key").replace(
                "SELECT n.id", "SELECT n.name_key::text"
            )
        ),
        "DELETE": "DELETE FROM catalog_search_artist WHERE artist_id IN (SELECT id FROM old_rows);",
        "TRUNCATE": "TRUNCATE catalog_search_artist;",
    },
    # Albums: their documents and their tracks' documents.
    "catalog_album": {
        "INSERT": _pg_upsert_albums("new_rows b", "true")
        + _pg_upsert_tracks("catalog_track t", "t.album_id IN (SELECT id FROM new_rows)")
        + _pg_learn("SELECT title_key::text FROM new_rows"),
        "UPDATE": _pg_upsert_albums(
            "new_rows b JOIN old_rows o ON o.id = b.id",
            "(b.title_key, b.artist_id) IS DISTINCT FROM (o.title_key, o.artist_id)",
        )
        + _pg_upsert_tracks(
            "catalog_track t",
            "t.album_id IN ("
            + CHANGED.format(condition="n.title_key IS DISTINCT FROM o.title_key")
            + ")",
        )
        + _pg_learn(
            CHANGED.format(condition="n.title_key IS DISTINCT FROM o.title_key").replace(
                "SELECT n.id", "SELECT n.title_key::text"
            )
        ),
        "DELETE": "DELETE FROM catalog_search_album WHERE album_id IN (SELECT id FROM old_rows);",
        "TRUNCATE": "TRUNCATE catalog_search_album;",
    },
}
EVENT_SUFFIX = {"INSERT": "ins", "UPDATE": "upd", "DELETE": "del", "TRUNCATE": "trunc"}
PG_TRIGGER_NAMES = [
    (table, f"catalog_search_{table.removeprefix('catalog_')}_{EVENT_SUFFIX[event]}")
    for table, events in PG_TRIGGERS.items()
    for event in events
]
SIDE_TABLES = {
    "catalog_search_track": "track_id bigint PRIMARY KEY, title_key text NOT NULL",
    "catalog_search_album": "album_id bigint PRIMARY KEY, title_key text NOT NULL",
    "catalog_search_artist": "artist_id bigint PRIMARY KEY, name_key text NOT NULL",
}


def _pg_forward() -> list[str]:
    translate_to = " " * len(TOKEN_SPACE)
    statements = [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"""CREATE FUNCTION rubysound_search_norm(text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
        $$ SELECT ' ' || btrim(regexp_replace(
            translate($1, {_lit(TOKEN_SPACE + TOKEN_DELETE)}, {_lit(translate_to)}),
            ' {{2,}}', ' ', 'g')) $$""",
        # Exact and prefix matches in byte order, the same order as SQLite's.
        'CREATE INDEX catalog_track_search_key ON catalog_track (title_key COLLATE "C", id)',
        'CREATE INDEX catalog_artist_search_key ON catalog_artist (name_key COLLATE "C", id)',
        'CREATE INDEX catalog_album_search_key ON catalog_album (title_key COLLATE "C", id)',
        # An artist's (album's) tracks in title order, straight from the index.
        "CREATE INDEX catalog_track_search_artist ON catalog_track "
        '(artist_id, title_key COLLATE "C", id)',
        "CREATE INDEX catalog_track_search_album ON catalog_track "
        '(album_id, title_key COLLATE "C", id)',
        # The lexicon for typo tolerance.
        "CREATE TABLE catalog_search_word (word text PRIMARY KEY)",
        """CREATE TABLE catalog_search_variant (
            variant text NOT NULL, word text NOT NULL, PRIMARY KEY (variant, word))""",
        # Insert-only (ON CONFLICT DO NOTHING never locks an existing row, so concurrent
        # writers do not queue on common words); words are sorted to keep lock order.
        f"""CREATE FUNCTION rubysound_search_learn(texts text[]) RETURNS void
        LANGUAGE sql AS $$
        WITH fresh AS (
            INSERT INTO catalog_search_word (word)
            SELECT DISTINCT w
            FROM unnest(texts) AS x(t),
                 unnest(string_to_array(rubysound_search_norm(x.t), ' ')) AS w
            WHERE char_length(w) BETWEEN {LEXICON_MIN} AND {LEXICON_MAX}
            ORDER BY 1
            ON CONFLICT DO NOTHING
            RETURNING word
        )
        INSERT INTO catalog_search_variant (variant, word)
        SELECT CASE WHEN i = 0 THEN word ELSE left(word, i - 1) || substr(word, i + 1) END, word
        FROM fresh, generate_series(0, char_length(word)) AS i
        ON CONFLICT DO NOTHING
        $$""",
    ]
    for table, columns in SIDE_TABLES.items():
        statements += [
            f"CREATE TABLE {table} ({columns}, doc text NOT NULL)",
            # Rows written since the last flush sit in the GIN pending list, which every
            # search reads in full: keep it small (the default is 4 MB) so that a burst of
            # writes costs searches a few pages, not hundreds, until autovacuum merges it.
            f"CREATE INDEX {table}_trgm ON {table} USING gin (doc gin_trgm_ops)"
            " WITH (gin_pending_list_limit = 256)",
        ]
    statements += [
        # What is already there.
        _pg_upsert_artists("catalog_artist a", "true"),
        _pg_upsert_albums("catalog_album b", "true"),
        _pg_upsert_tracks("catalog_track t", "true"),
        """SELECT rubysound_search_learn(ARRAY(
            SELECT title_key::text FROM catalog_track
            UNION SELECT name_key FROM catalog_artist
            UNION SELECT title_key FROM catalog_album))""",
    ]
    for table, events in PG_TRIGGERS.items():
        for event, body in events.items():
            name = f"catalog_search_{table.removeprefix('catalog_')}_{EVENT_SUFFIX[event]}"
            statements += _pg_trigger(name, event, table, body)
    return statements


PG_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {name} ON {table}" for table, name in PG_TRIGGER_NAMES),
    *(f"DROP FUNCTION IF EXISTS {name}()" for _, name in PG_TRIGGER_NAMES),
    "DROP FUNCTION IF EXISTS rubysound_search_learn(text[])",
    "DROP TABLE IF EXISTS catalog_search_variant",
    "DROP TABLE IF EXISTS catalog_search_word",
    *(f"DROP TABLE IF EXISTS {table}" for table in SIDE_TABLES),
    "DROP INDEX IF EXISTS catalog_album_search_key",
    "DROP INDEX IF EXISTS catalog_track_search_artist",
    "DROP INDEX IF EXISTS catalog_track_search_album",
    "DROP INDEX IF EXISTS catalog_artist_search_key",
    "DROP INDEX IF EXISTS catalog_track_search_key",
    "DROP FUNCTION IF EXISTS rubysound_search_norm(text)",
    # pg_trgm stays: other schema objects may use it, and it costs nothing unused.
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = _sqlite_forward()
    elif vendor == "postgresql":
        statements = _pg_forward()
    else:
        return
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
