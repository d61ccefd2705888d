"""An offline stand-in for Camb.ai's text-to-speech API, for tests, demos and benchmarks.

    from camb.sandbox import running

    with running(task_duration=0.1) as sandbox:
        ...  # a client with base URL sandbox.url and API key sandbox.api_key

The sandbox serves the operations of ``openapi/camb-tts.yaml`` at the root of ``sandbox.url``
(where the real API has ``https://client.camb.ai/apis``), checks ``x-api-key`` (401) and every
request schema (FastAPI-shaped 422s), and answers as the spec documents:

- ``POST /tts-stream`` streams real audio in chunks, with ``X-Credits-Required``: 60 ms per
  character of the text (letters are a tone whose pitch comes from a hash of the whole text,
  ``_synth.text_pitch``; other characters are silence), at the speech model's sample rate
  (``camb.api_facts.SAMPLE_RATES``), mp3 unless a format is asked for. wav, flac, mp3 and the
  six raw pcm layouts carry that tone; adts is valid AAC frames of silence of the same length
  (no AAC encoder is at hand). ``voice_id`` must be one of ``GET /list-voices``;
  ``language`` one of the 62 locales the official package knows (else Camb's 422 listing them).
- ``POST /tts`` tasks stay PENDING for ``task_duration`` s, then SUCCESS with a run id (from
  1000 up). Triggers in the text: ``[error]``, ``[harmful]``, ``[timeout]``, ``[payment]`` choose
  the outcome, ``[duration=2.5]`` the pending time. ``language`` must be an id of
  ``GET /source-languages`` (the official package's ids: 1 is en-us).
- ``GET /tts-result/{run_id}`` answers FLAC (``raw_bytes``) or a presigned URL (``file_url``) on
  a second origin, ``sandbox.files_url``, which wants no key and refuses expired URLs (403).
- ``POST /tts-results`` answers presigned URLs for 2 to 5 runs (404 if none is available).
- ``POST /translated-tts`` makes a task like ``POST /tts`` whose "translation" is the text tagged
  with the target locale (``[fr-fr] Hello.``); ``GET /translated-tts/{task_id}`` polls it, and
  its run is fetched like any other. Its FLAC says its language in a ``LANGUAGE`` Vorbis comment:
  ``spoken_language(flac_bytes)`` reads it, so tests can check which file is which language.
- ``GET /list-voices`` answers every field of the official ``Voice`` type (some null);
  ``GET /source-languages`` and ``/target-languages`` the official language ids.
- ``strict_documented=True`` replaces the answers no source documents (marked
  ``x-sandbox-choice`` in the spec) with documented ones; see ``SandboxConfig``.
- Faults on demand: latency, 429 with Retry-After, 500/503 (JSON or a proxy's HTML), dropped
  connections, truncated audio bodies; reproducible with ``seed``. See ``SandboxConfig``.
- ``GET /_sandbox/stats`` (no key) counts requests, answers, faults and key leaks.

Also: ``serve()`` (foreground, the ``camb sandbox`` command) and the ``camb_sandbox`` pytest
fixture (``camb.sandbox.pytest_plugin``). Needs the ``sandbox`` extra (starlette, uvicorn,
numpy, soundfile), imported on first use of ``running``, ``serve`` or ``Sandbox``; without it
those names raise ``camb.MissingExtraError``, which says what to install.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._config import SandboxConfig
    from ._language_marker import spoken_language
    from ._runner import Sandbox, running, serve

__all__ = ["Sandbox", "SandboxConfig", "running", "serve", "spoken_language"]

# The top-level modules the `sandbox` extra brings (and what they bring themselves).
EXTRA = "sandbox"
EXTRA_MODULES = frozenset({"starlette", "uvicorn", "numpy", "soundfile", "anyio"})

_HOMES = {
    "SandboxConfig": "._config",
    "Sandbox": "._runner",
    "running": "._runner",
    "serve": "._runner",
    "spoken_language": "._language_marker",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        module = importlib.import_module(home, __name__)
    except ModuleNotFoundError as error:
        missing = (error.name or "").partition(".")[0]
        if missing not in EXTRA_MODULES:
            raise
        from camb import MissingExtraError

        raise MissingExtraError(f"camb.sandbox.{name}", EXTRA, missing) from error
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
