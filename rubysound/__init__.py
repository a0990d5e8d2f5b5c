# Kept equal to pyproject.toml's version (tests/core/test_settings.py checks it).
__version__ = "0.1.0"
