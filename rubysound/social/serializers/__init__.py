"""Shapes of the social API: input validation, and response shapes for the OpenAPI schema."""
