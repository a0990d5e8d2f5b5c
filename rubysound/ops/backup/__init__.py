"""Backups that prove themselves: one implementation for the CLI, the admin and the CronJob.

``services`` holds every write (create, verify, restore, prune, delete), ``selectors`` the
reads; ``store`` owns the backup directory and its file names, ``engines`` speaks to
PostgreSQL (pg_dump/pg_restore/psql) or SQLite (the online backup API).
"""
