from enum import Enum


class OutputType(str, Enum):
    FILE_URL = "file_url"
    RAW_BYTES = "raw_bytes"

    def __str__(self) -> str:
        return str(self.value)
