"""Speak a text file of any length (a chapter, a book) into one audio file.

    python speak_file.py story.txt story.mp3 [--voice-id N] [--language en-us]

The format follows the output's extension (wav, flac, mp3, aac). The key comes from
$CAMB_API_KEY (and the address from $CAMB_BASE_URL, e.g. a sandbox's). If a piece fails, run
the same command again: the pieces already made are kept and not paid for twice.
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

    if args.output.suffix.lower() not in FORMATS:
        parser.error(f"the output must end with one of {', '.join(FORMATS)}")
    text = args.text_file.read_text(encoding="utf-8")

    def progress(step: camb.SpeechProgress) -> None:
        print(f"  piece {step.done} of {step.total}", file=sys.stderr)

    try:
        with camb.Camb() as client:
            voice_id = args.voice_id or client.voices.list()[0].id
            result = client.tts.speak(
                text, voice_id, args.language, args.output, on_progress=progress
            )
    except camb.CambError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    pieces = "piece" if result.segments == 1 else "pieces"
    print(
        f"wrote {result.path} ({result.bytes} bytes, {result.segments} {pieces}, "
        f"{result.duration:.1f} s, {result.credits} credits)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
