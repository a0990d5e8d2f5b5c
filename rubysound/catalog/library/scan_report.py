"""What a scan tells the operator: counts, failures and notes, one line to print."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScanIssue:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class ScanSummary:
    roots: list[str] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    moved: int = 0
    unchanged: int = 0
    removed: int = 0
    missing: int = 0  # tracks whose file is gone, kept because --prune was not given
    ignored: int = 0  # files that are not audio (images, text, playlists, ...)
    covers: int = 0  # album covers written
    failed: list[ScanIssue] = field(default_factory=list)
    notes: list[ScanIssue] = field(default_factory=list)  # fixed tags, partial waveforms
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.moved or self.removed or self.covers)

    def line(self) -> str:
        parts = [
            f"{self.added} added",
            f"{self.updated} updated",
            f"{self.moved} moved",
            f"{self.unchanged} unchanged",
            f"{self.removed} removed",
            f"{len(self.failed)} failed",
        ]
        if self.missing:
            parts.append(f"{self.missing} missing (run with --prune to remove)")
        if self.ignored:
            parts.append(f"{self.ignored} not audio (ignored)")
        return f"Scan: {', '.join(parts)} in {self.seconds:.1f} s"


def os_reason(exc: OSError) -> str:
    """An OSError in the words of the report ("permission denied", "No such file ...")."""
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)
