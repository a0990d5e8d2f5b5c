"""What a scan covers: library roots, and folders or files inside them."""

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


class ScanError(Exception):
    """A problem that stops the scan before it starts (a folder that does not exist)."""


@dataclass(frozen=True)
class ScanTarget:
    """What to scan: a library ``root`` and, inside it, a folder or file (``scope``)."""

    root: Path
    scope: str = ""  # POSIX path relative to root; "" for the whole root
    is_file: bool = False

    def covers(self, path: str) -> bool:
        if self.is_file:
            return path == self.scope
        return not self.scope or path.startswith(self.scope + "/")


def resolve_targets(paths: Iterable[Path | str] | None = None) -> list[ScanTarget]:
    """Scan targets for command-line paths, or every configured library folder.

    A path inside a configured library folder is scanned as part of that library (its
    tracks keep paths relative to the library root); a path elsewhere becomes its own root.
    Raises ScanError for a path that does not exist.
    """
    libraries = [Path(p) for p in settings.LIBRARY_DIRS]
    if not paths:
        # A folder configured inside another one is scanned as part of the outer library,
        # never twice under two roots.
        return [
            ScanTarget(root=library)
            for library in dict.fromkeys(libraries)
            if not any(other != library and other in library.parents for other in libraries)
        ]
    targets: list[ScanTarget] = []
    for raw in paths:
        given = Path(raw).expanduser()
        if not os.path.lexists(given):
            raise ScanError(f"{given} does not exist")
        is_file = not given.is_dir()
        absolute = (
            Path(os.path.abspath(given.parent)).resolve() / given.name
            if is_file
            else given.resolve()
        )
        for library in libraries:
            if absolute == library or library in absolute.parents:
                scope = absolute.relative_to(library).as_posix()
                targets.append(ScanTarget(library, "" if scope == "." else scope, is_file))
                break
        else:
            if is_file:
                targets.append(ScanTarget(absolute.parent, absolute.name, True))
            else:
                targets.append(ScanTarget(absolute))
    return _without_overlaps(targets)


def _without_overlaps(targets: list[ScanTarget]) -> list[ScanTarget]:
    kept: list[ScanTarget] = []
    for target in sorted(set(targets), key=lambda t: (str(t.root), t.scope, t.is_file)):
        if any(k.root == target.root and not k.is_file and k.covers(target.scope) for k in kept):
            continue
        if any(k == target for k in kept):
            continue
        kept.append(target)
    return kept
