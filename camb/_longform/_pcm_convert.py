"""WAV samples into a raw `pcm_*` layout, chunk by chunk. No I/O, no numpy.

Long-form speech asks the API for WAV when it writes raw PCM or FLAC: a WAV says its sample
rate, channels and sample layout, raw PCM says nothing (and a server may ignore the
`sample_rate` asked for). The samples are then put into the layout the caller asked for here.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable
from typing import Any, Final

from .._exceptions import AudioJoinError

WAVE_PCM, WAVE_FLOAT = 1, 3

# Output layout -> (array typecode, big-endian).
_LAYOUTS: Final[dict[str, tuple[str, bool]]] = {
    "pcm_s16le": ("h", False),
    "pcm_s16be": ("h", True),
    "pcm_s32le": ("i", False),
    "pcm_s32be": ("i", True),
    "pcm_f32le": ("f", False),
    "pcm_f32be": ("f", True),
}
_FULL_SCALE: Final = {"h": 32768.0, "i": 2147483648.0}
_LITTLE_HOST: Final = sys.byteorder == "little"


def wav_typecode(tag: int, bits: int) -> str:
    """The array typecode of a WAV's samples; `AudioJoinError` for layouts not converted."""
    if tag == WAVE_PCM and bits in (16, 32):
        return "h" if bits == 16 else "i"
    if tag == WAVE_FLOAT and bits == 32:
        return "f"
    kind = "float" if tag == WAVE_FLOAT else "integer"
    raise AudioJoinError(f"WAV of {bits}-bit {kind} samples cannot be turned into raw PCM here")


def converter(tag: int, bits: int, layout: str) -> Callable[[bytes], bytes]:
    """A function turning little-endian WAV sample bytes into `layout`'s bytes.

    Chunks must hold whole samples. Integers are scaled by their full scale (16-bit to 32-bit
    is a shift), floats are clipped to [-1, 1] when made integers.
    """
    source = wav_typecode(tag, bits)
    target, big = _LAYOUTS[layout]
    swap_in = not _LITTLE_HOST
    swap_out = big == _LITTLE_HOST

    def convert(chunk: bytes) -> bytes:
        if source == target and not swap_out:
            return chunk
        samples: Any = array(source, chunk)
        if swap_in:
            samples.byteswap()
        if source != target:
            samples = _rescale(samples, source, target)
        if swap_out:
            samples.byteswap()
        out: bytes = samples.tobytes()
        return out

    return convert


def _rescale(samples: Any, source: str, target: str) -> Any:
    # float in [-1, 1] is the common scale; ints come back rounded and clipped.
    scale_in = _FULL_SCALE.get(source, 1.0)
    values = [value / scale_in for value in samples]
    if target == "f":
        return array("f", values)
    top = _FULL_SCALE[target]
    return array(target, [int(max(-top, min(top - 1, round(value * top)))) for value in values])
