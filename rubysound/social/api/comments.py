"""Stub: filled in by the comments work."""

urlpatterns: list = []
