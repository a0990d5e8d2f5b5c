"""/history/ in a real browser: the heat map comes in the browser's own time zone, a
listen is deleted after a confirmation, its row leaving the list without a reload, and an
export file is imported showing its progress."""

import json
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from rubysound.catalog.models import Listen
from tests.browser.conftest import record_errors, sign_in
from tests.factories import ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Monday 30 November 2026, 20:30 UTC: Tuesday 05:30 in Tokyo (UTC+9, no summer time).
MONDAY_EVENING = datetime(2026, 11, 30, 20, 30, tzinfo=UTC)


@pytest.fixture
def tokyo_page(browser, site_url):
    """A page opener whose browser lives in Tokyo; a script or console error fails the test."""
    contexts, errors = [], []

    def _open(path: str, user):
        context = browser.new_context(base_url=site_url, timezone_id="Asia/Tokyo")
        contexts.append(context)
        sign_in(context, user, site_url)
        page = context.new_page()
        record_errors(page, errors, path)
        page.goto(path)
        return page

    yield _open
    for context in contexts:
        context.close()
    assert not errors, "errors in the pages:\n" + "\n".join(errors)


def test_the_heat_map_in_the_browsers_zone_and_deleting_a_listen(tokyo_page):
    user = UserFactory(username="night_owl")
    keep = ListenFactory(user=user, track=TrackFactory(title="Keeper"), listened_at=MONDAY_EVENING)
    oops = ListenFactory(
        user=user,
        track=TrackFactory(title="Played By Mistake"),
        listened_at=MONDAY_EVENING.replace(minute=45),
    )

    page = tokyo_page("/history/?window=all", user)
    heatmap = page.locator("#listening-heatmap")
    # Drawn first in UTC (the server cannot know the zone), then again for Tokyo.
    expect(heatmap.locator("caption")).to_have_text(
        "Listens by weekday and hour, in the time zone Asia/Tokyo."
    )
    busiest = heatmap.locator('td[title="Tuesday 05:00–06:00: 2 listens"]')
    expect(busiest).to_have_class("heat heat-4")
    expect(heatmap.locator('td[title="Monday 20:00–21:00: 0 listens"]')).to_have_class(
        "heat heat-0"
    )
    url = page.url

    rows = page.locator("#history-listens > li.track-row")
    expect(rows).to_have_count(2)
    mistake = rows.filter(has_text="Played By Mistake")
    delete = mistake.get_by_role("button", name="Delete this listen of Played By Mistake")

    # Said no to the question: nothing happens.
    page.once("dialog", lambda dialog: dialog.dismiss())
    delete.click()
    expect(rows).to_have_count(2)
    assert Listen.objects.filter(pk=oops.pk).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    delete.click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Keeper")
    expect(page.locator("[data-listen-status]")).to_have_text("Listen deleted.")
    assert page.url == url  # no reload, no navigation
    assert list(Listen.objects.filter(user=user).values_list("pk", flat=True)) == [keep.pk]


def test_importing_an_export_file_from_the_page(tokyo_page, tmp_path):
    user = UserFactory(username="mover")
    at = int(MONDAY_EVENING.timestamp())
    export = tmp_path / "listenbrainz_mover.json"
    export.write_text(
        json.dumps(
            [
                {
                    "listened_at": at - n * 600,
                    "track_metadata": {"artist_name": "Old Service", "track_name": f"Song {n}"},
                }
                for n in range(2)
            ]
        )
    )
    page = tokyo_page("/history/", user)
    expect(page.get_by_text("No listens yet. Play a track for a while")).to_be_visible()
    page.get_by_label("Import a ListenBrainz export").set_input_files(export)
    # The page's script follows the import once it has mounted (before, the form posts plainly).
    expect(page.locator("form[data-progress='on']")).to_have_count(1)
    # Everything the status line says, however briefly, as a screen reader would hear it.
    page.evaluate(
        """() => {
            const status = document.querySelector("[data-import-status]");
            window.importSaid = [];
            new MutationObserver(() => window.importSaid.push(status.textContent))
                .observe(status, {childList: true, characterData: true, subtree: true});
        }"""
    )
    page.get_by_role("button", name="Import listens").click()
    expect(page.get_by_text("Imported 2 new listens (2 in the file).")).to_be_visible()
    said = page.evaluate("window.importSaid")
    assert said[0] == "Sending the file…"
    assert said[-1] == "Imported 2 of 2 listens"
    expect(page.locator("#history-listens > li.track-row")).to_have_count(2)
    assert Listen.objects.filter(user=user, source=Listen.Source.LISTENBRAINZ).count() == 2
