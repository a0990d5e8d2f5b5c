"""Reads of the social domain, one module per area."""
