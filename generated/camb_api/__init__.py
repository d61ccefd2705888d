"""A client library for accessing Camb.ai Text-to-Speech API"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
