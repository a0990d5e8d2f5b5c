"""The accounts JSON API: tokens for API clients and the user's own profile."""
