"""A typed, retrying, streaming client for Camb.ai's text-to-speech API."""

from ._version import __version__

__all__ = ["__version__"]
