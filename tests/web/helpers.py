"""Small helpers for driving the server-rendered pages the way a browser does."""

import re

from django.contrib.auth import SESSION_KEY

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_tokens(response) -> list[str]:
    """The CSRF tokens of every form on a rendered page."""
    return CSRF_INPUT.findall(response.content.decode())


def logged_in_user_id(client) -> int | None:
    """The id of the user the client's session is signed in as, or None."""
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def signup_data(**overrides) -> dict:
    data = {
        "username": "newlistener",
        "email": "newlistener@example.com",
        "password1": "a-quiet-violet-melody",
        "password2": "a-quiet-violet-melody",
        "is_public_favorites": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def profile_data(user, **overrides) -> dict:
    """The profile form as a browser submits it: every field with its current value.

    An unchecked checkbox is not sent at all, exactly as browsers do.
    """
    data = {
        "action": "profile",
        "first_name": user.first_name,
        "last_name": user.last_name,
        "bio": user.bio,
        "gender": user.gender,
        "country": user.country.code or "",
        "birth_date": user.birth_date.isoformat() if user.birth_date else "",
    }
    if user.is_public_favorites:
        data["is_public_favorites"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
