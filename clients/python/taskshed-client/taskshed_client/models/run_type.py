from enum import StrEnum


class RunType(StrEnum):
    ONCE = "once"
    RECURRING = "recurring"

    def __str__(self) -> str:
        return str(self.value)
