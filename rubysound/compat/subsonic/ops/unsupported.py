"""What we do not have yet, answered as valid empty lists so apps show an empty screen
instead of an error: internet radio, podcasts, shares, bookmarks, chat."""

from ..registry import Call, operation

EMPTY_ANSWERS = {
    "getInternetRadioStations": {"internetRadioStations": {"internetRadioStation": []}},
    "getPodcasts": {"podcasts": {"channel": []}},
    "getNewestPodcasts": {"newestPodcasts": {"episode": []}},
    "getShares": {"shares": {"share": []}},
    "getBookmarks": {"bookmarks": {"bookmark": []}},
    "getChatMessages": {"chatMessages": {"chatMessage": []}},
}


def _empty(body: dict):
    def answer(call: Call) -> dict:
        return body

    return answer


for _name, _body in EMPTY_ANSWERS.items():
    operation(_name)(_empty(_body))
