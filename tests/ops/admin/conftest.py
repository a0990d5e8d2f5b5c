# The backup center works on the backup folder: each test gets its own, as in tests/ops/backup.
from tests.ops.backup.conftest import backup_dir  # noqa: F401
