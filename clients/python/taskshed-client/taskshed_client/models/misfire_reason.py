from enum import StrEnum


class MisfireReason(StrEnum):
    CATCHUP_LIMIT = "catchup_limit"
    COALESCED = "coalesced"
    DST_GAP = "dst_gap"

    def __str__(self) -> str:
        return str(self.value)
