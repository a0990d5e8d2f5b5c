"""Clients for the external music services.

Each service has one client module here, its client built on ``client.py``. Clients know
nothing of our models: they take plain arguments, ask the service through the shared
transport (``transport.py``) and return the plain dataclasses of ``types.py``. Every
failure leaves a client as a ``ProviderError`` (``errors.py``), never as a parsing exception.
"""

from .budget import deadline

__all__ = ["deadline"]
