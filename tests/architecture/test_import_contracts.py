"""The public-faces contract type, on a small package written to disk and read by grimp."""

import textwrap

import grimp
import pytest

from tests.architecture.import_contracts import PublicFacesContract

SOURCES = {
    "__init__.py": "",
    "urls.py": "from sample.shop.api import views\n",
    "shop/__init__.py": "",
    "shop/models.py": "",
    "shop/pricing.py": "from . import models\n",
    "shop/selectors/__init__.py": "",
    "shop/selectors/orders.py": "",
    "shop/api/__init__.py": "",
    "shop/api/views.py": "from sample.shop import pricing\n",
    "web/__init__.py": "",
    "web/pages.py": """
        from sample.shop.models import *
        from sample.shop.selectors import orders


        def total():
            from sample.shop.pricing import price  # lazy: counts all the same

            return price
    """,
    "web/routes.py": "from sample.shop.api import views\n",
}


@pytest.fixture
def graph(tmp_path, monkeypatch):
    for name, source in SOURCES.items():
        path = tmp_path / "sample" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    return grimp.build_graph("sample", cache_dir=None)


def check(graph, **options):
    contract = PublicFacesContract(
        name="faces",
        session_options={},
        contract_options={
            "apps": ["sample.shop", "sample.not_written_yet"],
            "public": ["models", "selectors"],
            "entry_point_importers": ["sample.urls"],
            "entry_points": ["api"],
            **options,
        },
    )
    result = contract.check(graph, verbose=False)
    return {(found.importer, found.imported) for found in result.metadata["illegal_imports"]}


def test_only_imports_of_private_modules_from_outside_the_app_break_it(graph):
    # Public faces (sub-modules included), the app's own imports and the project's wiring
    # of the app's API pass; an app that does not exist yet is skipped.
    assert check(graph) == {
        ("sample.web.pages", "sample.shop.pricing"),
        ("sample.web.routes", "sample.shop.api.views"),
    }


def test_listed_imports_are_ignored(graph):
    ignored = ["sample.web.pages -> sample.shop.pricing", "sample.web.* -> sample.shop.api.*"]
    assert check(graph, ignore_imports=ignored) == set()
