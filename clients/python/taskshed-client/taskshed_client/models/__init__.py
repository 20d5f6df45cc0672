"""Contains all the data models used in inputs/outputs"""

from .affected_response import AffectedResponse
from .api_key_info import ApiKeyInfo
from .attempt import Attempt
from .attempt_outcome import AttemptOutcome
from .attempt_page import AttemptPage
from .batch_create_request import BatchCreateRequest
from .batch_create_response import BatchCreateResponse
from .batch_outcome import BatchOutcome
from .batch_result import BatchResult
from .callback import Callback
from .callback_disabled_notice import CallbackDisabledNotice
from .callback_kwargs_schema_type_0 import CallbackKwargsSchemaType0
from .callback_outcome import CallbackOutcome
from .callback_outcomes import CallbackOutcomes
from .callback_page import CallbackPage
from .callback_spec import CallbackSpec
from .callback_spec_kwargs_schema_type_0 import CallbackSpecKwargsSchemaType0
from .create_key_request import CreateKeyRequest
from .create_task_request import CreateTaskRequest
from .created_key import CreatedKey
from .delivery_counts import DeliveryCounts
from .delivery_minute import DeliveryMinute
from .dst_flag import DstFlag
from .dst_policy import DstPolicy
from .execution_time_update import ExecutionTimeUpdate
from .execution_times_request import ExecutionTimesRequest
from .execution_times_response import ExecutionTimesResponse
from .field_error import FieldError
from .flow_state import FlowState
from .gap_policy import GapPolicy
from .headers import Headers
from .health import Health
from .key_page import KeyPage
from .kwargs import Kwargs
from .misfire import Misfire
from .misfire_page import MisfirePage
from .misfire_reason import MisfireReason
from .overlap_policy import OverlapPolicy
from .patch_task_request import PatchTaskRequest
from .preview_occurrence import PreviewOccurrence
from .preview_request import PreviewRequest
from .problem import Problem
from .rate_limit_spec import RateLimitSpec
from .registered_callback import RegisteredCallback
from .retry_policy import RetryPolicy
from .retry_spec import RetrySpec
from .retry_tasks_request import RetryTasksRequest
from .rotate_secret_spec import RotateSecretSpec
from .rotated_secret import RotatedSecret
from .run_type import RunType
from .schedule_preview import SchedulePreview
from .skipped_occurrence import SkippedOccurrence
from .task import Task
from .task_counts import TaskCounts
from .task_failed_notice import TaskFailedNotice
from .task_page import TaskPage
from .task_selector_request import TaskSelectorRequest
from .task_spec import TaskSpec
from .task_status import TaskStatus

__all__ = (
    "AffectedResponse",
    "ApiKeyInfo",
    "Attempt",
    "AttemptOutcome",
    "AttemptPage",
    "BatchCreateRequest",
    "BatchCreateResponse",
    "BatchOutcome",
    "BatchResult",
    "Callback",
    "CallbackDisabledNotice",
    "CallbackKwargsSchemaType0",
    "CallbackOutcome",
    "CallbackOutcomes",
    "CallbackPage",
    "CallbackSpec",
    "CallbackSpecKwargsSchemaType0",
    "CreatedKey",
    "CreateKeyRequest",
    "CreateTaskRequest",
    "DeliveryCounts",
    "DeliveryMinute",
    "DstFlag",
    "DstPolicy",
    "ExecutionTimesRequest",
    "ExecutionTimesResponse",
    "ExecutionTimeUpdate",
    "FieldError",
    "FlowState",
    "GapPolicy",
    "Headers",
    "Health",
    "KeyPage",
    "Kwargs",
    "Misfire",
    "MisfirePage",
    "MisfireReason",
    "OverlapPolicy",
    "PatchTaskRequest",
    "PreviewOccurrence",
    "PreviewRequest",
    "Problem",
    "RateLimitSpec",
    "RegisteredCallback",
    "RetryPolicy",
    "RetrySpec",
    "RetryTasksRequest",
    "RotatedSecret",
    "RotateSecretSpec",
    "RunType",
    "SchedulePreview",
    "SkippedOccurrence",
    "Task",
    "TaskCounts",
    "TaskFailedNotice",
    "TaskPage",
    "TaskSelectorRequest",
    "TaskSpec",
    "TaskStatus",
)
