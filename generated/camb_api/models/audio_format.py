from enum import Enum


class AudioFormat(str, Enum):
    ADTS = "adts"
    FLAC = "flac"
    MP3 = "mp3"
    PCM_F32BE = "pcm_f32be"
    PCM_F32LE = "pcm_f32le"
    PCM_S16BE = "pcm_s16be"
    PCM_S16LE = "pcm_s16le"
    PCM_S32BE = "pcm_s32be"
    PCM_S32LE = "pcm_s32le"
    WAV = "wav"

    def __str__(self) -> str:
        return str(self.value)
