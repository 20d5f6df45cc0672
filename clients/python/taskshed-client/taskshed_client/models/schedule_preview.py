from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.preview_occurrence import PreviewOccurrence
    from ..models.skipped_occurrence import SkippedOccurrence


T = TypeVar("T", bound="SchedulePreview")


@_attrs_define
class SchedulePreview:
    """Answer of `POST /v1/schedules/preview` and `GET /v1/tasks/{task_id}/schedule`.

    Attributes:
        occurrences (list[PreviewOccurrence]):
        skipped (list[SkippedOccurrence]): DST-gap local times in the window, in order.
    """

    occurrences: list[PreviewOccurrence]
    skipped: list[SkippedOccurrence]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        occurrences = []
        for occurrences_item_data in self.occurrences:
            occurrences_item = occurrences_item_data.to_dict()
            occurrences.append(occurrences_item)

        skipped = []
        for skipped_item_data in self.skipped:
            skipped_item = skipped_item_data.to_dict()
            skipped.append(skipped_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "occurrences": occurrences,
                "skipped": skipped,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.preview_occurrence import PreviewOccurrence  # noqa: PLC0415
        from ..models.skipped_occurrence import SkippedOccurrence  # noqa: PLC0415

        d = dict(src_dict)
        occurrences = []
        _occurrences = d.pop("occurrences")
        for occurrences_item_data in _occurrences:
            occurrences_item = PreviewOccurrence.from_dict(occurrences_item_data)

            occurrences.append(occurrences_item)

        skipped = []
        _skipped = d.pop("skipped")
        for skipped_item_data in _skipped:
            skipped_item = SkippedOccurrence.from_dict(skipped_item_data)

            skipped.append(skipped_item)

        schedule_preview = cls(
            occurrences=occurrences,
            skipped=skipped,
        )

        schedule_preview.additional_properties = d
        return schedule_preview

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
