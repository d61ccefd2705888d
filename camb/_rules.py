"""The one table of request rules: every option of `/tts-stream` and `/tts`, checked here.

The facade's argument checks (`_operations`), long-form speech (`plan_speech`), the batch
reader (`camb.batch`, with `from_text` turning a CSV cell into the rule's type first) and the
sandbox all take an option's rule from this module, so no rule is kept twice. The rules
themselves are the spec's (`api_facts.STREAM_OPTION_RULES` and `TASK_OPTION_RULES`, generated
by `make regen`: type, range, length, choices, the models that use an option). What the spec
cannot say is added here, and only that:

- the facade's flat names for nested options (`format` is `output_configuration.format`);
- `paragraph_pause`, an option of `speak()` (and of batch lines), not of the API;
- that the client refuses a locale outside the spec's known list before sending (the wire
  format takes any well-formed tag), suggesting the nearest known ones: a typo would
  otherwise cost a request and come back as a 422 listing hundreds of locales;
- that an option only some models use (`x-speech-models`) is refused for another known model,
  because the request would be paid for and the option silently ignored.

Adding an option means: the spec, `make regen`, the signatures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from . import _validation as check
from ._exceptions import InvalidInputError, InvalidInputTypeError
from .api_facts import (
    LIVE_SESSION_RULES,
    SERVER_DEFAULT_SPEECH_MODEL,
    SPEECH_MODELS,
    STREAM_LOCALES,
    STREAM_OPTION_RULES,
    TASK_OPTION_RULES,
    OptionRule,
)

__all__ = [
    "FLAT_NAMES",
    "LIVE_RULES",
    "MAX_PAUSE_SECONDS",
    "SPEAK_OPTIONS",
    "SPEAK_RULES",
    "STREAM_RULES",
    "TASK_RULES",
    "OptionRule",
    "apply",
    "check_models",
    "from_text",
    "locale_suggestions",
    "rule_of",
]

# The facade's names for the options it takes flat (stream(format=...)) -> their wire names.
FLAT_NAMES: Final[Mapping[str, str]] = {
    "format": "output_configuration.format",
    "sample_rate": "output_configuration.sample_rate",
    "duration": "output_configuration.duration",
    "apply_enhancement": "output_configuration.apply_enhancement",
}
# The longest silence `speak()` puts between paragraphs, in seconds.
MAX_PAUSE_SECONDS: Final = 60.0
# Options of `speak()` that are not options of the API.
SPEAK_RULES: Final[Mapping[str, OptionRule]] = {
    "paragraph_pause": OptionRule(("number",), minimum=0, maximum=MAX_PAUSE_SECONDS),
}
# Every option of POST /tts-stream, by wire name (`voice_settings.speaking_rate`).
STREAM_RULES: Final[Mapping[str, OptionRule]] = STREAM_OPTION_RULES
TASK_RULES: Final[Mapping[str, OptionRule]] = TASK_OPTION_RULES

# A live session's fields whose AsyncAPI description says they follow /tts-stream's rules (the
# protocol document gives their types only): each takes its stream twin's bounds and choices.
LIVE_MIRRORS: Final[Mapping[str, str]] = {
    "voice_id": "voice_id",
    "language": "language",
    "sample_rate": "output_configuration.sample_rate",
    "speaking_rate": "voice_settings.speaking_rate",
    "inference_steps": "inference_options.inference_steps",
}


def _live_rule(name: str, rule: OptionRule) -> OptionRule:
    twin = STREAM_RULES.get(LIVE_MIRRORS.get(name, ""))
    if twin is not None:
        rule = rule._replace(
            minimum=twin.minimum,
            maximum=twin.maximum,
            exclusive_minimum=twin.exclusive_minimum,
            min_length=twin.min_length,
            max_length=twin.max_length,
            pattern=twin.pattern,
            choices=twin.choices,
            open_choices=twin.open_choices,
        )
    if name == "idle_timeout":
        # What neither document says: a flush after no time at all would cut every fragment.
        rule = rule._replace(exclusive_minimum=0)
    return rule


# Every field of a live session's `session.start`, by wire name (`output_format`).
LIVE_RULES: Final[Mapping[str, OptionRule]] = {
    name: _live_rule(name, rule) for name, rule in LIVE_SESSION_RULES.items()
}
# The options `speak()` (and a batch line) takes besides text, by the facade's name; nested
# options are given as a whole object (`voice_settings`, `inference_options`).
SPEAK_OPTIONS: Final = (
    "voice_id",
    "language",
    "format",
    "speech_model",
    "user_instructions",
    "sample_rate",
    "apply_enhancement",
    "enhance_named_entities_pronunciation",
    "paragraph_pause",
    "voice_settings",
    "inference_options",
)
# Open lists of the spec whose values outside the known list the client still refuses: a
# locale (see the module's docstring). Speech models stay open: a new model is sent as it is.
CLOSED_IN_CLIENT: Final = frozenset({"language"})
# How many known values an error for an unknown one suggests.
SUGGESTIONS: Final = 5

_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_FLOAT_TEXT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def rule_of(name: str, table: Mapping[str, OptionRule] = STREAM_RULES) -> OptionRule:
    """The rule of an option by its facade name (`format`) or wire name; KeyError if none."""
    if name in SPEAK_RULES:
        return SPEAK_RULES[name]
    return table[FLAT_NAMES.get(name, name)]


def _number_text(value: float) -> str:
    return f"{value:g}"


def _integer(param: str, rule: OptionRule, value: object) -> int:
    if rule.minimum == 1 and rule.maximum is None:
        return check.positive_int(param, value)
    if rule.exclusive_minimum == 0 and rule.minimum is None and rule.maximum is None:
        return check.positive_int(param, value)
    if rule.choices is not None and not rule.open_choices:
        chosen: int = check.choice(param, value, rule.choices)
        return chosen
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputTypeError(param, "must be an int", value)
    _bounds(param, rule, value)
    return value


def _bounds(param: str, rule: OptionRule, value: float) -> None:
    low, high, above = rule.minimum, rule.maximum, rule.exclusive_minimum
    if low is not None and high is not None:
        if not low <= value <= high:
            raise InvalidInputError(
                param, f"must be between {_number_text(low)} and {_number_text(high)}", value
            )
    elif low is not None and value < low:
        raise InvalidInputError(param, f"must be >= {_number_text(low)}", value)
    elif high is not None and value > high:
        raise InvalidInputError(param, f"must be <= {_number_text(high)}", value)
    if above is not None and value <= above:
        raise InvalidInputError(param, f"must be > {_number_text(above)}", value)


def _number(param: str, rule: OptionRule, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputTypeError(param, "must be a number", value)
    if not math.isfinite(value):
        raise InvalidInputError(param, "must be a finite number", value)
    _bounds(param, rule, value)
    return value


def locale_suggestions(value: str, known: Iterable[str] = STREAM_LOCALES) -> list[str]:
    """The known locales nearest `value` (`EN_gb` and `en-gbx` both find `en-gb`): those of the
    same language first, then the closest spellings."""
    import difflib  # on first use: start-up stays lean

    tags = tuple(known)
    wanted = value.strip().lower().replace("_", "-")
    if wanted in tags:
        return [wanted]
    language = wanted.split("-")[0]
    alike = [tag for tag in tags if tag.split("-")[0] == language]
    close = difflib.get_close_matches(wanted, tags, n=SUGGESTIONS, cutoff=0.6)
    ranked = sorted(alike, key=lambda tag: -difflib.SequenceMatcher(None, wanted, tag).ratio())
    return list(dict.fromkeys([*ranked, *close]))[:SUGGESTIONS]


def _string(param: str, rule: OptionRule, value: object, name: str) -> str:
    if not isinstance(value, str):
        if rule.pattern is not None:
            raise InvalidInputTypeError(param, "must be a str locale such as 'en-us'", value)
        raise InvalidInputTypeError(param, "must be a str", value)
    checked = check.text(param, value, min_len=rule.min_length or 1, max_len=rule.max_length)
    if rule.choices is not None and not rule.open_choices:
        chosen: str = check.choice(param, checked, rule.choices)
        return chosen
    # A locale (`/tts-stream` and `/tts` alike) must be one the spec knows.
    known = rule.choices if rule.choices is not None else None
    if known is None and name in CLOSED_IN_CLIENT:
        known = STREAM_LOCALES
    if rule.pattern is not None and not re.fullmatch(rule.pattern, checked):
        near = locale_suggestions(checked, known or ())
        hint = f"; did you mean {', '.join(map(repr, near))}?" if near else ""
        raise InvalidInputError(
            param, f"must be a lower-case BCP-47 locale such as 'en-us'{hint}", value
        )
    if known is not None and name in CLOSED_IN_CLIENT and checked not in known:
        near = locale_suggestions(checked, known)
        shown = f"; nearest: {', '.join(map(repr, near))}" if near else ""
        raise InvalidInputError(
            param,
            f"is not one of the {len(known)} locales the spec knows (such as 'en-us'{shown}); "
            "`camb languages --stream` lists them (a locale newer than this client can be "
            f"sent with extra_body={{'{name.rsplit('.', 1)[-1]}': ...}})",
            value,
        )
    return checked


def apply(rule: OptionRule, param: str, value: object, *, name: str | None = None) -> Any:
    """`value` checked against `rule` (None passes for an optional option); raises
    InvalidInputError (InvalidInputTypeError for a wrong type) naming `param` and the rule."""
    if value is None and not rule.required:
        return None
    kinds = rule.kinds
    if "string" in kinds and isinstance(value, str):
        return _string(param, rule, value, name or param)
    if "integer" in kinds and "string" in kinds:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInputTypeError(
                param, "must be a locale such as 'en-us' (or a positive int language id)", value
            )
        return _integer(param, rule, value)
    if "string" in kinds:
        return _string(param, rule, value, name or param)
    if "integer" in kinds:
        return _integer(param, rule, value)
    if "number" in kinds:
        return _number(param, rule, value)
    if "boolean" in kinds:
        if not isinstance(value, bool):
            raise InvalidInputTypeError(param, "must be a bool", value)
        return value
    raise AssertionError(f"no check for {kinds}")  # pragma: no cover - regen refuses others


def check_models(options: Mapping[str, object], speech_model: object) -> None:
    """Refuse an option that the chosen speech model (or the server's default model) does not
    use (`x-speech-models` in the spec): it would be paid for and silently ignored. A model this
    client does not know may use it, so it is let through."""
    model = SERVER_DEFAULT_SPEECH_MODEL if speech_model is None else speech_model
    if model not in SPEECH_MODELS:
        return
    for name, value in options.items():
        if value is None:
            continue
        rule = rule_of(name)
        if rule.models is not None and model not in rule.models:
            users = " or ".join(repr(m) for m in rule.models)
            how = "speech_model is" if speech_model is not None else "the default speech_model is"
            raise InvalidInputError(
                name,
                f"is used only by {users}, and {how} {model!r}, which ignores it "
                f"(pass speech_model={rule.models[0]!r}, or leave {name} out)",
                show_value=False,
            )


def from_text(rule: OptionRule, param: str, text: str) -> Any:
    """A CSV cell as a value of the rule's type, for `apply`: whole numbers for integers
    (`+7`, `007`), numbers for numbers, `true/false/yes/no/1/0` for booleans; strings are
    trimmed only when the rule has a form or choices (a locale, a format), never text."""
    kinds = rule.kinds
    cell = text.strip()
    if "string" in kinds and (rule.pattern is not None or rule.choices is not None):
        if "integer" in kinds and _INT_TEXT.fullmatch(cell):
            return int(cell)
        return cell
    if "string" in kinds:
        return text
    if "integer" in kinds:
        if not _INT_TEXT.fullmatch(cell):
            raise InvalidInputError(
                param, f"must be a whole number (got {text!r})", show_value=False
            )
        return int(cell)
    if "number" in kinds:
        if not _FLOAT_TEXT.fullmatch(cell):
            raise InvalidInputError(param, f"must be a number (got {text!r})", show_value=False)
        return float(cell)
    if "boolean" in kinds:
        word = cell.lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise InvalidInputError(param, f"must be true or false (got {text!r})", show_value=False)
    raise AssertionError(f"no conversion for {kinds}")  # pragma: no cover
