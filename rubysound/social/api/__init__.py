"""Thin HTTP views of the social domain, one module per area, each with its urlpatterns."""
