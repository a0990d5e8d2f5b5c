"""Stub: filled in by the notifications work."""

urlpatterns: list = []
