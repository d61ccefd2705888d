from enum import Enum


class SpeechModelKind(str, Enum):
    MARS_8_1_FLASH_BETA = "mars-8.1-flash-beta"
    MARS_8_1_PRO_BETA = "mars-8.1-pro-beta"
    MARS_FLASH = "mars-flash"
    MARS_INSTRUCT = "mars-instruct"
    MARS_PRO = "mars-pro"

    def __str__(self) -> str:
        return str(self.value)
