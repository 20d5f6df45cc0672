from enum import StrEnum


class DstFlag(StrEnum):
    GAP_SHIFTED = "gap_shifted"
    OVERLAP_FIRST = "overlap_first"
    OVERLAP_SECOND = "overlap_second"

    def __str__(self) -> str:
        return str(self.value)
