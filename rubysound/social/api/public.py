"""Stub: filled in by the public work."""

urlpatterns: list = []
