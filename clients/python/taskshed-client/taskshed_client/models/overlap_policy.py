from enum import StrEnum


class OverlapPolicy(StrEnum):
    BOTH = "both"
    ONCE = "once"

    def __str__(self) -> str:
        return str(self.value)
