"""Wikipedia: an artist's bio, picture and article link, in a language with English fallback.

Two MediaWiki APIs, no key (the User-Agent with a contact is the transport's):
- the Action API's search, with each hit's short description and disambiguation flag
  (``/w/api.php?action=query&generator=search&prop=description|pageprops``), to find
  which article is the artist's: "Queen" the band is "Queen (band)", not the monarch;
- the REST summary (``/api/rest_v1/page/summary/<title>``: title, extract, thumbnail,
  content_urls, type "standard"/"disambiguation") for the article itself.
The base URL setting has a ``{lang}`` placeholder: https://{lang}.wikipedia.org.
"""

from urllib.parse import quote, urljoin

from . import matching
from .client import ServiceClient
from .errors import ErrorKind, ProviderError
from .parsing import as_dict, as_list, each, https_url, integer, json_object, readable, text
from .types import ArtistBio

SERVICE = "wikipedia"
FALLBACK_LANGUAGE = "en"
# The editions we offer bios from (the site's languages and the largest music wikis).
LANGUAGES = (
    "en",
    "ru",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "ja",
    "nl",
    "pl",
    "uk",
    "sv",
    "tr",
    "zh",
    "ko",
)
SEARCH_RESULTS = 10
# Action API error codes that are not about our parameters (the rest are).
API_ERROR_KINDS = {
    "maxlag": ErrorKind.UNAVAILABLE,  # replicas lagging: asked to come back later
    "readonly": ErrorKind.UNAVAILABLE,
    "ratelimited": ErrorKind.RATE_LIMITED,
}
# Summaries fetched per language at most: the best candidates only, the budget is short.
SUMMARIES_PER_LANGUAGE = 2

# Words in an article's qualifier ("Queen (band)"), description ("British rock band") or
# opening sentence that say it is about a musician or a band, in the LANGUAGES. Generic
# words ("group", "producer") are left out: "(group theory)", "film producer".
MUSIC_WORDS = (
    *("band", "rockband", "musician", "singer", "rapper", "songwriter", "composer"),
    *("musical group", "music group", "duo", "trio", "dj", "record producer", "rock"),
    *("pop", "jazz", "hip hop", "vocalist", "guitarist", "orchestra", "music"),
    # ru, uk
    *("группа", "музыкант", "певец", "певица", "рэпер", "исполнитель", "композитор"),
    *("ансамбль", "рок", "гурт", "співак", "співачка"),
    # de, nl, sv
    *("musiker", "sänger", "sängerin", "musikgruppe", "zanger", "zangeres", "muziek"),
    *("sångare", "sångerska", "popgrupp", "rockgrupp"),
    # fr, es, it, pt
    *("groupe", "musicien", "musicienne", "chanteur", "chanteuse", "banda", "grupo"),
    *("músico", "cantante", "gruppo", "musicista", "cantautore", "cantor", "cantora"),
    # pl, tr
    *("zespół", "muzyk", "piosenkarz", "piosenkarka", "şarkıcı", "müzisyen"),
    # ja, zh, ko
    *("バンド", "歌手", "ミュージシャン", "音楽", "乐队", "樂團", "音乐", "밴드", "가수", "음악"),
)
_MUSIC_NEEDLES = tuple(matching.fold_to_words(word) for word in MUSIC_WORDS)


def is_supported_language(lang: str) -> bool:
    return lang in LANGUAGES


def _mentions_music(value: str) -> bool:
    folded = f" {matching.fold_to_words(value)} "
    for needle in _MUSIC_NEEDLES:
        # Short words must stand alone ("pop" is not in "population"); long ones may
        # start a longer word ("singer-songwriter", "musicians"); CJK has no spaces.
        if len(needle) >= 6 or any(ord(char) >= 0x3000 for char in needle):
            if needle in folded:
                return True
        elif f" {needle} " in folded:
            return True
    return False


def _split_title(title: str) -> tuple[str, str]:
    """("Queen (band)") → ("Queen", "band"); titles without a qualifier give ("…", "")."""
    title = title.strip()
    if title.endswith(")") and " (" in title:
        base, _, qualifier = title[:-1].rpartition(" (")
        return base, qualifier
    return title, ""


class WikipediaClient(ServiceClient):
    service = SERVICE

    async def artist_bio(self, name: str, lang: str = FALLBACK_LANGUAGE) -> ArtistBio | None:
        """The article about the artist ``name`` in ``lang``, else in English; None if
        neither edition has one. ``lang`` outside LANGUAGES is refused without a request."""
        self._require_enabled()
        if not is_supported_language(lang):
            raise ProviderError(SERVICE, ErrorKind.BAD_REQUEST, f"unsupported language {lang!r}")
        name = " ".join(str(name).split())
        if not name:
            return None
        for language in dict.fromkeys((lang, FALLBACK_LANGUAGE)):
            bio = await self._bio_in(name, language)
            if bio is not None:
                return bio
        return None

    async def _bio_in(self, name: str, lang: str) -> ArtistBio | None:
        candidates = await self._candidates(name, lang)
        for candidate in candidates[:SUMMARIES_PER_LANGUAGE]:
            summary = await self._summary(candidate["title"], lang)
            if summary is None or summary["type"] != "standard" or not summary["extract"]:
                continue
            if not candidate["music"] and not _mentions_music(
                f"{summary['description']} {summary['extract'][:300]}"
            ):
                continue
            return ArtistBio(
                artist=name,
                title=summary["title"],
                bio=summary["extract"],
                source_url=summary["url"],
                image_url=summary["image"],
                lang=lang,
            )
        return None

    def _base(self, lang: str) -> str:
        return self.config.base_url.replace("{lang}", lang)

    async def _candidates(self, name: str, lang: str) -> list[dict]:
        """Search hits that may be the artist's article, most likely first."""
        reply = await self.transport.get(
            SERVICE,
            f"{self._base(lang)}/w/api.php",
            params={
                "action": "query",
                "format": "json",
                "formatversion": "2",
                "generator": "search",
                "gsrsearch": name,
                "gsrlimit": SEARCH_RESULTS,
                "gsrnamespace": "0",
                "prop": "description|pageprops",
                "ppprop": "disambiguation",
                "redirects": "1",
            },
        )
        payload = json_object(reply)
        if "error" in payload:
            error = as_dict(payload.get("error"))
            code = text(error.get("code"))
            kind = API_ERROR_KINDS.get(code, ErrorKind.BAD_REQUEST)
            raise ProviderError(SERVICE, kind, text(error.get("info")) or code)
        with readable(SERVICE):
            pages = as_dict(payload.get("query")).get("pages")
            # formatversion=1 (which a mirror may answer with) keys the pages by id.
            pages = list(pages.values()) if isinstance(pages, dict) else as_list(pages)
            hits = list(each(pages, lambda page: _candidate(page, name)))
        hits.sort(key=lambda hit: (-hit["score"], hit["index"]))
        return hits

    async def _summary(self, title: str, lang: str) -> dict | None:
        summaries = f"{self._base(lang)}/api/rest_v1/page/summary/"
        reply = await self.transport.get(
            SERVICE, summaries + quote(title.replace(" ", "_"), safe="")
        )
        if 300 <= reply.status < 400:
            # A redirect title answers with the target's address; followed once, and only
            # to another summary on the same wiki.
            target = urljoin(reply.url, reply.headers.get("location", ""))
            if not target.startswith(summaries) or "?" in target:
                return None
            reply = await self.transport.get(SERVICE, target)
        if reply.status == 404 or 300 <= reply.status < 400:
            return None
        payload = json_object(reply)
        with readable(SERVICE):
            urls = as_dict(as_dict(payload.get("content_urls")).get("desktop"))
            thumbnail = as_dict(payload.get("thumbnail"))
            original = as_dict(payload.get("originalimage"))
            return {
                "type": text(payload.get("type")),
                "title": text(payload.get("title")) or title,
                "description": text(payload.get("description")),
                "extract": _extract(payload.get("extract")),
                "url": https_url(urls.get("page")),
                "image": https_url(thumbnail.get("source")) or https_url(original.get("source")),
            }


def _candidate(page: dict, name: str) -> dict | None:
    """A search hit scored as the artist's article, or None when it cannot be."""
    page = as_dict(page)
    title = text(page.get("title"))
    if not title or integer(page.get("ns")) != 0:
        return None
    if "disambiguation" in as_dict(page.get("pageprops")):
        return None
    base, qualifier = _split_title(title)
    if matching.normalise_artist(base) != matching.normalise_artist(name):
        return None
    description = text(page.get("description"))
    qualifier_is_music = bool(qualifier) and _mentions_music(qualifier)
    description_is_music = _mentions_music(description)
    if qualifier and not qualifier_is_music and not description_is_music:
        return None  # "Queen (chess)", "Muse (mythology)"
    return {
        "title": title,
        "index": integer(page.get("index"), default=SEARCH_RESULTS),
        "music": qualifier_is_music or description_is_music,
        "score": 2 * qualifier_is_music + 2 * description_is_music + (base == name),
    }


def _extract(value) -> str:
    # Extracts are plain text, but paragraphs arrive as "\n": kept as paragraph breaks.
    if not isinstance(value, str):
        return ""
    paragraphs = (" ".join(part.split()) for part in value.split("\n"))
    return "\n".join(p for p in paragraphs if p)
