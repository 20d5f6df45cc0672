from enum import StrEnum


class TaskStatus(StrEnum):
    FAILED = "failed"
    RUNNING = "running"
    SCHEDULED = "scheduled"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
