"""Contains all the data models used in inputs/outputs"""

from .audio_format import AudioFormat
from .audio_output_file_url_response import AudioOutputFileURLResponse
from .bulk_tts_runs_results import BulkTTSRunsResults
from .create_stream_tts_request import CreateStreamTTSRequest
from .create_translated_tts_request import CreateTranslatedTTSRequest
from .create_tts_request import CreateTTSRequest
from .error_detail import ErrorDetail
from .formality import Formality
from .gender import Gender
from .http_validation_error import HTTPValidationError
from .inference_options import InferenceOptions
from .language import Language
from .output_configuration import OutputConfiguration
from .output_type import OutputType
from .run_i_ds_request_payload import RunIDsRequestPayload
from .speech_model_kind import SpeechModelKind
from .stream_language import StreamLanguage
from .task_id import TaskID
from .task_status import TaskStatus
from .task_status_kind import TaskStatusKind
from .task_status_message_type_1 import TaskStatusMessageType1
from .validation_error import ValidationError
from .voice import Voice
from .voice_settings import VoiceSettings

__all__ = (
    "AudioFormat",
    "AudioOutputFileURLResponse",
    "BulkTTSRunsResults",
    "CreateStreamTTSRequest",
    "CreateTranslatedTTSRequest",
    "CreateTTSRequest",
    "ErrorDetail",
    "Formality",
    "Gender",
    "HTTPValidationError",
    "InferenceOptions",
    "Language",
    "OutputConfiguration",
    "OutputType",
    "RunIDsRequestPayload",
    "SpeechModelKind",
    "StreamLanguage",
    "TaskID",
    "TaskStatus",
    "TaskStatusKind",
    "TaskStatusMessageType1",
    "ValidationError",
    "Voice",
    "VoiceSettings",
)
