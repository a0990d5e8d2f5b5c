"""Our own import-linter contract type: each app is entered through its public faces only.

import-linter's built-in contracts can forbid or protect modules that are named, but not
"every module of the app except these few": a ``protected`` or ``forbidden`` contract
would have to list each private module, and a module added later would be public until
someone remembered to list it. This contract turns the list around: it names the faces,
and everything else inside an app is private, new modules included.

Options (``[[tool.importlinter.contracts]]`` with ``type = "public_faces"``):

- ``apps``: the apps whose insides are guarded (``rubysound.social``). An app that does not
  exist (yet) is skipped, so the contract can name apps that are still being created.
- ``public``: module names relative to an app (``selectors``, ``services``); each one, with
  its sub-modules, may be imported from anywhere. The app's own modules import each other
  freely.
- ``entry_point_importers``: modules that wire the apps together (``rubysound.urls``); they
  may also import the ``entry_points`` of every app (``urls``, ``consumers``, ``api``...).
- ``ignore_imports``, ``unmatched_ignore_imports_alerting``: as in the built-in contracts.

Every ``import`` statement counts wherever it stands: grimp also reads the ones inside
functions (lazy imports) and under ``if TYPE_CHECKING``.
"""

from __future__ import annotations

from dataclasses import dataclass

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils
from importlinter.domain.helpers import module_expressions_to_modules


@dataclass(frozen=True, order=True)
class IllegalImport:
    importer: str
    imported: str
    line_numbers: tuple[int, ...]


class PublicFacesContract(Contract):
    type_name = "public_faces"

    apps = fields.ListField(subfield=fields.ModuleField())
    public = fields.ListField(subfield=fields.StringField())
    entry_point_importers = fields.ListField(
        subfield=fields.ModuleExpressionField(), required=False
    )
    entry_points = fields.ListField(subfield=fields.StringField(), required=False)
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        wiring = {
            module.name
            for module in module_expressions_to_modules(
                graph,
                self.entry_point_importers or [],  # type: ignore[arg-type]
                as_packages=True,
            )
        }
        illegal: list[IllegalImport] = []
        for app in self.apps:  # type: ignore[attr-defined]
            if app.name not in graph.modules:
                output.verbose_print(verbose, f"{app.name} does not exist: skipped.")
                continue
            illegal += _illegal_imports_of(
                graph,
                app.name,
                public=_faces(graph, app.name, self.public),  # type: ignore[arg-type]
                entry_points=_faces(graph, app.name, self.entry_points or []),  # type: ignore[arg-type]
                wiring=wiring,
            )
        return ContractCheck(
            kept=not illegal,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"illegal_imports": sorted(illegal)},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error(
            "Imports of another app's private modules (import a public face instead):",
            bold=False,
        )
        output.new_line()
        for found in check.metadata["illegal_imports"]:
            lines = ", ".join(str(number) for number in found.line_numbers)
            output.print_error(f"- {found.importer} -> {found.imported} (l.{lines})", bold=False)
        output.new_line()


def _faces(graph: grimp.ImportGraph, app: str, names: list[str]) -> set[str]:
    """The modules of ``app`` that the given relative names denote, sub-modules included."""
    faces: set[str] = set()
    for name in names:
        module = f"{app}.{name}"
        if module in graph.modules:
            faces |= {module, *graph.find_descendants(module)}
    return faces


def _illegal_imports_of(
    graph: grimp.ImportGraph,
    app: str,
    *,
    public: set[str],
    entry_points: set[str],
    wiring: set[str],
) -> list[IllegalImport]:
    inside = {app, *graph.find_descendants(app)}
    illegal = []
    for importer in graph.find_modules_that_directly_import(app, as_package=True) - inside:
        allowed = public | entry_points if importer in wiring else public
        for imported in (graph.find_modules_directly_imported_by(importer) & inside) - allowed:
            details = graph.get_import_details(importer=importer, imported=imported)
            line_numbers = tuple(sorted(detail["line_number"] for detail in details))
            illegal.append(IllegalImport(importer, imported, line_numbers))
    return illegal
