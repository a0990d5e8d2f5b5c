"""The backup center in Django's admin: its pages at /admin/backup/ (``backup_center``,
``urls``) and its entry in the admin index (``backup_task``, registered on import, as the
admin's autodiscovery expects of an app's ``admin`` module)."""

from .backup_task import BackupCenterAdmin

__all__ = ["BackupCenterAdmin"]
