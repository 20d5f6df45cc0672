from enum import StrEnum


class BatchOutcome(StrEnum):
    CREATED = "created"
    KEPT = "kept"
    REPLACED = "replaced"

    def __str__(self) -> str:
        return str(self.value)
