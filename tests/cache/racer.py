"""One of several processes asking for the same speech at once (test_speech_cache.py).

Prints the sha256 of the audio it got and whether the speech cache answered it."""

from __future__ import annotations

import hashlib
import sys

import camb

url, key, folder, voice = sys.argv[1:5]
with camb.Camb(api_key=key, base_url=url, cache=folder) as client:
    stream = client.tts.stream("Everyone asks for this at once.", int(voice), "en-us")
    audio = stream.read()
print(hashlib.sha256(audio).hexdigest(), stream.from_cache)
