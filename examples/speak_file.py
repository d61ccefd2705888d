"""Speak a text file into an audio file.

    python speak_file.py story.txt story.mp3 [--voice-id N] [--language en-us]

The format follows the output's extension (wav, flac, mp3, aac). The key comes from
$CAMB_API_KEY (and the address from $CAMB_BASE_URL, e.g. a sandbox's). `stream()` takes up to
3,000 characters; longer texts need to be split.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import camb

FORMATS = {".wav": "wav", ".flac": "flac", ".mp3": "mp3", ".aac": "adts"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text_file", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--voice-id", type=int, help="default: the first voice of the account")
    parser.add_argument("--language", default="en-us", help="a lower-case locale (en-us)")
    args = parser.parse_args()

    audio_format = FORMATS.get(args.output.suffix.lower())
    if audio_format is None:
        parser.error(f"the output must end with one of {', '.join(FORMATS)}")
    text = args.text_file.read_text(encoding="utf-8").strip()

    try:
        with camb.Camb() as client:
            voice_id = args.voice_id or client.voices.list()[0].id
            with client.tts.stream(text, voice_id, args.language, format=audio_format) as speech:
                path = speech.save(args.output)  # complete, or not there at all
                credits = speech.credits_required
    except camb.CambError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path} ({path.stat().st_size} bytes, {credits} credits)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
