from enum import StrEnum


class RunType(StrEnum):
    CRON = "cron"
    ONCE = "once"
    RECURRING = "recurring"

    def __str__(self) -> str:
        return str(self.value)
