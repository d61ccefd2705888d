from enum import Enum


class TaskStatusKind(str, Enum):
    ERROR = "ERROR"
    PAYMENT_REQUIRED = "PAYMENT_REQUIRED"
    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    TIMEOUT = "TIMEOUT"

    def __str__(self) -> str:
        return str(self.value)
