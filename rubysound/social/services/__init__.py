"""Writes of the social domain, one module per area; each action is one named function."""
