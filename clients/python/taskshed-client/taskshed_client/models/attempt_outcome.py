from enum import StrEnum


class AttemptOutcome(StrEnum):
    FAILED = "failed"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    SUPERSEDED = "superseded"

    def __str__(self) -> str:
        return str(self.value)
