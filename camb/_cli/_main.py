"""`camb`: Camb.ai text-to-speech from the command line, and the offline sandbox.

Usage (the global options go before or after the command)::

    camb [--api-key KEY] [--base-url URL] [--json] [--debug] [--max-retries N] [--timeout S]
         COMMAND ...

    camb speak TEXT -o FILE [--voice-id N] [--language en-us] [--format F] [--speech-model M]
    camb create TEXT... --voice-id N --language ID|LOCALE [--project-name NAME]
    camb translate TEXT --to LOCALE... -o DIR [--from en-us] [--voice-id N]
    camb status [TASK_ID...]
    camb wait [TASK_ID...] [--wait-timeout S] [--poll-interval S] [--concurrency N]
    camb result RUN_ID [-o FILE | --url]
    camb results [RUN_ID...] [--file F] [--download DIR] [--concurrency N]
    camb voices
    camb languages [--target]
    camb sandbox [--port 8080] [--files-port 0] [--task-duration S] [--api-key K] [faults...]

Ids not given as arguments are read from stdin when it is not a terminal, so commands chain:
`camb create "One." "Two." --voice-id 1 --language 1 | camb wait | camb results`.

The key comes from --api-key or $CAMB_API_KEY, the API's address from --base-url or
$CAMB_BASE_URL (else the real API). `--json` makes every command print JSON on stdout.
Results go to stdout; errors are one line on stderr (`camb: error: ...`), with no traceback
unless --debug, and never show the key. Progress bars (with the `cli` extra) appear on stderr
only when it is a terminal. `--debug` or `CAMB_LOG=debug` logs every request to stderr.

Timeouts: `--timeout S` means one thing wherever it is written: the seconds a single HTTP
request may take (the client's `timeout=`), before or after any command. How long `wait` waits
for its tasks as a whole is a separate option, `wait --wait-timeout S` (the `timeout=` of
`tts.wait_many`).

Exit status:
    0    success
    1    the API or a task failed: any CambError that is not an input error, including a wait
         or a bulk call where only some of the ids failed (also a local failure such as a file
         that cannot be written)
    2    usage error: bad arguments, or input refused before anything is sent (no API key, a
         run id of 0, ...); also an installation that cannot do it (a missing extra, another
         package's `camb` module in the way); also `camb sandbox` on an address it cannot
         listen on (a port in use)
    130  interrupted (Ctrl-C)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NoReturn

from camb import (
    AUDIO_FORMATS,
    AsyncCamb,
    CambError,
    InvalidInputError,
    MissingExtraError,
    __version__,
)
from camb.api_facts import GENDER_CODES, STREAM_TEXT_MAX_LENGTH, STREAM_TEXT_MIN_LENGTH

from .. import _logs
from .._constants import DEFAULT_SPEAK_CONCURRENCY
from .._echo import echo, echo_text
from .._validation import MAX_INT
from ..batch import DEFAULT_BATCH_CONCURRENCY, DEFAULT_MAX_ATTEMPTS
from . import _cache as cost
from . import _commands as commands
from . import _live as _cli_live
from . import _translate as _cli_translate
from ._support import PROG, Console, ExitStatus, UsageError

EXIT_STATUSES = """\
exit status:
  0    success
  1    the API or a task failed (also when only some ids of a wait or bulk call failed)
  2    usage error: bad arguments, or input refused before sending (no API key, run id 0, ...),
       or an installation that cannot do it (a missing extra); also `camb sandbox` on a port
       it cannot listen on (in use)
  130  interrupted (Ctrl-C)
"""
EPILOG = f"""{EXIT_STATUSES}
The key comes from --api-key or $CAMB_API_KEY; the address from --base-url or $CAMB_BASE_URL.
--timeout is always the limit of one HTTP request; `wait --wait-timeout` limits the whole wait.
CAMB_LOG=debug (or info, warning, error) logs to stderr, like --debug without tracebacks.
Try it offline: `camb sandbox --port 0` prints the two variables to set.
"""

ApiCommand = Callable[[AsyncCamb, argparse.Namespace, Console], Awaitable[ExitStatus]]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line: `camb: error: ... (see 'camb X --help')`."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{PROG}: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(ExitStatus.USAGE)


def _global_options(
    parser: argparse.ArgumentParser, *, top: bool, skip: Sequence[str] = ()
) -> None:
    """The options every command takes, shown in every command's help. On the commands
    themselves their default is SUPPRESS, so that a value given before the command is not reset
    by the command's parser."""

    def default(value: object) -> Any:
        return value if top else argparse.SUPPRESS

    group = parser.add_argument_group("global options")
    if "--api-key" not in skip:
        group.add_argument(
            "--api-key",
            default=default(None),
            metavar="KEY",
            help="the API key (default: $CAMB_API_KEY)",
        )
    if "--base-url" not in skip:
        group.add_argument(
            "--base-url",
            default=default(None),
            metavar="URL",
            help="the API's base URL (default: $CAMB_BASE_URL, else https://client.camb.ai/apis)",
        )
    group.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print machine-readable JSON on stdout",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default(False),
        help="log requests to stderr and show tracebacks",
    )
    if "--max-retries" not in skip:
        group.add_argument(
            "--max-retries",
            type=int,
            default=default(None),
            metavar="N",
            help="retries of a failed request (default 2)",
        )
        cost.add_cache_options(group, default)
    if "--timeout" not in skip:
        group.add_argument(
            "--timeout",
            type=float,
            default=default(None),
            metavar="S",
            help="seconds one HTTP request may take, for every request the command sends "
            "(default 60); not the limit of a whole command",
        )


def _positive_int(text: str) -> int:
    if len(text.strip()) > len(str(MAX_INT)) and text.strip().lstrip("+-").isdigit():
        raise argparse.ArgumentTypeError(
            f"must be a positive integer below 2**63, not one of {len(text.strip())} digits"
        )
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {echo(text)}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {value}")
    return value


def _stream_locale(text: str) -> str:
    """A locale the spec knows for streaming; else a usage error naming the nearest known ones
    (before any request: a voice lookup included)."""
    from .._rules import apply, rule_of

    try:
        checked: str = apply(rule_of("language"), "language", text)
    except InvalidInputError as error:
        rule = error.rule.split(" (a locale newer than this client")[0]
        raise argparse.ArgumentTypeError(f"{text!r} {rule}") from None
    return checked


def _language_id_or_locale(text: str) -> int | str:
    """A locale, or a numeric language id (checked by the client)."""
    return _positive_int(text) if text.lstrip("-").isdigit() else text


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {echo(text)}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0, not {echo_text(text)}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {echo(text)}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port between 0 and 65535, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Camb.ai text-to-speech from the command line.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_text: str, *, skip: Sequence[str] = ()) -> argparse.ArgumentParser:
        cmd = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _global_options(cmd, top=False, skip=skip)
        return cmd

    speak = command(
        "speak",
        "speak text of any length into one audio file (streamed, the recommended flow). "
        "Unlike Python's tts.speak(), which requires a voice and a language, the command "
        "defaults them: the first voice of `camb voices` and en-us",
    )
    speak.add_argument(
        "text",
        nargs="?",
        help="what to say, any length: it is sent in pieces of "
        f"{STREAM_TEXT_MIN_LENGTH} to {STREAM_TEXT_MAX_LENGTH} characters "
        "(or `-` to read stdin, or -f FILE)",
    )
    speak.add_argument(
        "-f",
        "--file",
        metavar="FILE",
        help="read the text from FILE (UTF-8; a BOM is dropped), `-` for stdin",
    )
    speak.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="the audio file; its extension (.wav .flac .mp3 .aac .pcm) sets "
        "the format unless --format is given",
    )
    speak.add_argument(
        "--voice-id",
        type=_positive_int,
        metavar="N",
        help="the voice (default: the first voice of `camb voices`, one more request; the "
        "line printed names it). Python's tts.speak() requires voice_id and language",
    )
    speak.add_argument(
        "--language",
        default="en-us",
        type=_stream_locale,
        metavar="LOCALE",
        help="a lower-case locale such as en-us (default en-us, where tts.speak() requires one; "
        "`camb languages --stream` lists them)",
    )
    speak.add_argument(
        "--format",
        choices=AUDIO_FORMATS,
        metavar="FORMAT",
        help=f"the audio format: {', '.join(AUDIO_FORMATS)}",
    )
    speak.add_argument("--speech-model", metavar="MODEL", help="e.g. mars-flash, mars-pro")
    speak.add_argument(
        "--concurrency",
        type=_positive_int,
        default=DEFAULT_SPEAK_CONCURRENCY,
        metavar="N",
        help=f"segments streamed at once for long text (default {DEFAULT_SPEAK_CONCURRENCY})",
    )
    speak.add_argument(
        "--paragraph-pause",
        type=float,
        default=0.0,
        metavar="S",
        help="seconds of silence between paragraphs (default 0)",
    )
    speak.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where finished segments wait, so that a failed run resumes for free "
        "(default: .NAME.segments beside the output)",
    )
    cost.add_cost_options(speak)
    _cli_live.add_caption_arguments(speak)
    speak.set_defaults(api_command=commands.speak)

    _cli_live.add_parser(command)

    create = command("create", "start one task per text (the deprecated task flow)")
    create.add_argument("texts", nargs="+", metavar="TEXT", help="one task per text")
    create.add_argument("--voice-id", type=_positive_int, required=True, metavar="N")
    create.add_argument(
        "--language",
        type=_language_id_or_locale,
        required=True,
        metavar="LOCALE|ID",
        help="a locale such as en-us (`camb languages --stream` lists them), or a numeric "
        "language id (deprecated upstream)",
    )
    create.add_argument("--project-name", metavar="NAME")
    create.add_argument("--project-description", metavar="TEXT")
    create.add_argument(
        "--gender",
        type=int,
        choices=GENDER_CODES,
        help="0 not known, 1 male, 2 female, 9 not applicable",
    )
    create.add_argument("--age", type=int, metavar="N")
    create.set_defaults(api_command=commands.create)

    _cli_translate.add_command(command, _positive_int, _positive_float)

    status = command("status", "print the status of tasks")
    status.add_argument(
        "task_ids", nargs="*", metavar="TASK_ID", help="task ids (default: read from stdin)"
    )
    status.set_defaults(api_command=commands.status)

    wait = command("wait", "wait for tasks; print task id and run id per line")
    wait.add_argument(
        "task_ids",
        nargs="*",
        metavar="TASK_ID",
        help="task ids (default: read from stdin, e.g. from `camb create`)",
    )
    wait.add_argument(
        "--wait-timeout",
        type=_positive_float,
        default=600.0,
        metavar="S",
        help="give up on the tasks not finished S seconds after the wait began (default 600; "
        "--timeout is the limit of each poll)",
    )
    wait.add_argument(
        "--poll-interval",
        type=_positive_float,
        metavar="S",
        help="seconds between polls (default: from 0.25 s backing off to 4 s)",
    )
    wait.add_argument(
        "--concurrency",
        type=_positive_int,
        default=16,
        metavar="N",
        help="polls in flight at once (default 16)",
    )
    wait.set_defaults(api_command=commands.wait)

    result = command("result", "download one run's FLAC, or print its presigned URL")
    result.add_argument("run_id", type=_positive_int, metavar="RUN_ID")
    where = result.add_mutually_exclusive_group()
    where.add_argument(
        "-o", "--output", metavar="FILE", help="where to save the FLAC (default <RUN_ID>.flac)"
    )
    where.add_argument(
        "--url", action="store_true", help="print a presigned URL instead (it expires soon)"
    )
    result.set_defaults(api_command=commands.result)

    results = command(
        "results",
        "presigned URLs for many runs in the fewest bulk requests (a JSON map), or download "
        "them all",
    )
    results.add_argument(
        "run_ids",
        nargs="*",
        type=_positive_int,
        metavar="RUN_ID",
        help="run ids (default: --file, else stdin)",
    )
    results.add_argument(
        "--file",
        metavar="F",
        help="read run ids from F ('-' for stdin): ints, `camb wait` output or JSON",
    )
    results.add_argument(
        "--download", metavar="DIR", help="download every file into DIR as <RUN_ID>.flac"
    )
    results.add_argument(
        "--concurrency",
        type=_positive_int,
        default=4,
        metavar="N",
        help="downloads at once (default 4)",
    )
    results.add_argument(
        "--bulk-concurrency",
        type=_positive_int,
        default=1,
        metavar="N",
        help="bulk URL requests at once (default 1: one after another, as the API advises)",
    )
    results.set_defaults(api_command=commands.results)

    batch = command(
        "batch",
        "speak every line of a JSON Lines or CSV file into DIR/<id>.<ext>, resumably; "
        "`camb batch status DIR` shows where a run stands",
    )
    batch.add_argument(
        "target",
        nargs="+",
        metavar="INPUT | status DIR",
        help="the input file (.jsonl, .ndjson, .csv, .tsv; `-` for stdin), or `status DIR`",
    )
    batch.add_argument("--out", metavar="DIR", help="the output folder (its state lives there)")
    batch.add_argument("--voice-id", type=_positive_int, metavar="N", help="default voice_id")
    batch.add_argument(
        "--language",
        type=_stream_locale,
        metavar="LOCALE",
        help="default language, e.g. en-us (`camb languages --stream` lists them)",
    )
    batch.add_argument(
        "--format", choices=AUDIO_FORMATS, metavar="FORMAT", help="default audio format (wav)"
    )
    batch.add_argument("--speech-model", metavar="MODEL", help="default speech model")
    batch.add_argument(
        "--concurrency",
        type=_positive_int,
        default=DEFAULT_BATCH_CONCURRENCY,
        metavar="N",
        help="items spoken at once at most; fewer while the API answers 429 "
        f"(default {DEFAULT_BATCH_CONCURRENCY})",
    )
    batch.add_argument(
        "--max-attempts",
        type=_positive_int,
        default=DEFAULT_MAX_ATTEMPTS,
        metavar="N",
        help=f"tries of an item in one run (default {DEFAULT_MAX_ATTEMPTS}; a 429 is not a try)",
    )
    batch.add_argument(
        "--shard",
        metavar="K/N",
        help="this machine's share of the items: shard K (from 0) of N, by a hash of the id",
    )
    batch.add_argument(
        "--skip-invalid",
        action="store_true",
        help="leave bad lines out (and list them) instead of refusing the whole file; a bad "
        "header or encoding, or a file with no good line, is still refused",
    )
    batch.add_argument(
        "--input-format",
        choices=("jsonl", "csv", "tsv"),
        help="the input's format when its name does not say it (.jsonl .ndjson .csv .tsv) or "
        "it is stdin; a CSV's delimiter (, ; tab |) is found from its header",
    )
    batch.add_argument(
        "--encoding",
        metavar="ENC",
        help="the input's text encoding (default UTF-8; e.g. cp1252 for a spreadsheet's "
        "plain CSV on Windows)",
    )
    cost.add_cost_options(batch)
    batch.add_argument(
        "--captions",
        choices=("srt", "vtt", "json"),
        metavar="FORMAT",
        help="captions beside each item's audio: srt, vtt or json (<id>.srt, ...)",
    )
    batch.add_argument(
        "--caption-sentences",
        action="store_true",
        help="one request per sentence, so that every caption is exact",
    )
    batch.set_defaults(local_command=commands.batch)

    cost.add_cache_command(sub, command)

    voices = command("voices", "list the voices this key can use")
    voices.set_defaults(api_command=commands.voices)

    languages = command(
        "languages",
        "list the languages `create` takes, with their locales (--stream: the locales `speak` "
        "and `batch` take, from the spec, without asking the API)",
    )
    languages.add_argument(
        "--target", action="store_true", help="the target languages (default: the source ones)"
    )
    languages.add_argument(
        "--stream",
        action="store_const",
        dest="local_command",
        const=commands.stream_locales,
        help="the locales streaming knows (POST /tts-stream), as the spec lists them",
    )
    languages.set_defaults(api_command=commands.languages)

    sandbox = command(
        "sandbox",
        "run the offline sandbox API in the foreground (needs the 'sandbox' extra); prints "
        "CAMB_BASE_URL=... CAMB_API_KEY=... on stdout once it listens",
        # The client's options mean nothing to a server (its own --api-key is below).
        skip=["--api-key", "--timeout", "--base-url", "--max-retries"],
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on")
    sandbox.add_argument(
        "--port", type=_port, default=8080, help="the API's port (default 8080; 0 picks a free one)"
    )
    sandbox.add_argument(
        "--files-port", type=_port, default=0, help="the file host's port (default 0: a free one)"
    )
    sandbox.add_argument(
        "--api-key",
        dest="sandbox_api_key",
        metavar="KEY",
        help="the key the sandbox accepts (default sandbox-key)",
    )
    for flag, field, kind, help_text in commands.SANDBOX_SETTINGS:
        sandbox.add_argument(flag, dest=field, type=kind, help=help_text)
    sandbox.add_argument("--access-log", action="store_true", help="log every request")
    sandbox.add_argument(
        "--strict-documented",
        action="store_true",
        help="answer only the statuses the official API definition documents (no 404 for an "
        "unknown task or an empty bulk request, no 400 for an unknown voice)",
    )
    sandbox.add_argument(
        "--ignore-sample-rate",
        action="store_true",
        help="answer /tts-stream at the model's own sample rate whatever sample_rate asks",
    )
    from camb.sandbox._tasks import TRIGGERS_HELP  # pure, cheap: no server stack

    sandbox.epilog = f"{TRIGGERS_HELP}\n{EXIT_STATUSES}"
    sandbox.set_defaults(local_command=commands.sandbox)
    return parser


def _exit_status(code: object) -> ExitStatus:
    """The status of argparse's SystemExit (0 after --help, else a usage error)."""
    if code is None or code == 0:
        return ExitStatus.OK
    return ExitStatus.USAGE


def _enable_debug_logging() -> Callable[[], None]:
    """Log the `camb` logger at DEBUG to stderr; answers the function that undoes it.

    When CAMB_LOG already gave the logger a handler, only the level changes (no line twice).
    """
    logger = logging.getLogger(_logs.LOGGER_NAME)
    previous_level = logger.level
    handler: logging.Handler | None = None
    if _logs.environment_handler() is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_logs.LOG_FORMAT))
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    def undo() -> None:
        if handler is not None:
            logger.removeHandler(handler)
        logger.setLevel(previous_level)

    return undo


async def _run_api_command(
    command: ApiCommand, args: argparse.Namespace, console: Console
) -> ExitStatus:
    async with commands.build_client(args) as client:
        return await command(client, args, console)


def _run(args: argparse.Namespace, console: Console) -> ExitStatus:
    local = getattr(args, "local_command", None)
    if local is not None:
        status: ExitStatus = local(args, console)
        return status
    return asyncio.run(_run_api_command(args.api_command, args, console))


def _describe(error: BaseException) -> str:
    if isinstance(error, InvalidInputError) and error.param == "api_key":
        if "required" in error.rule:
            return "no API key: pass --api-key or set CAMB_API_KEY"
        return f"the API key {error.rule}"
    return str(error) or type(error).__name__


def main(argv: Sequence[str] | None = None) -> ExitStatus:
    """Run `camb` with `argv` (default: the process's arguments) and return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return _exit_status(exit_.code)
    console = Console(
        json_mode=args.json, secret=args.api_key or os.environ.get("CAMB_API_KEY") or None
    )
    undo_logging = _enable_debug_logging() if args.debug else None
    try:
        return _run(args, console)
    except KeyboardInterrupt:
        console.error(commands.interrupted_message(args))
        return ExitStatus.INTERRUPTED
    except (UsageError, InvalidInputError, MissingExtraError) as error:
        _report(console, error, args.debug)
        return ExitStatus.USAGE
    except CambError as error:
        _report(console, error, args.debug)
        return ExitStatus.FAILED
    except BrokenPipeError:
        # stdout was closed early (`camb voices | head -1`): stop quietly.
        _silence_stdout()
        return ExitStatus.FAILED
    except OSError as error:
        _report(console, error, args.debug)
        return ExitStatus.FAILED
    except Exception as error:
        if args.debug:
            traceback.print_exc()
        console.error(
            f"unexpected {type(error).__name__}: {error} (run with --debug for the traceback)"
        )
        return ExitStatus.FAILED
    finally:
        if undo_logging is not None:
            undo_logging()


def _report(console: Console, error: BaseException, debug: bool) -> None:
    if debug:
        console.note("traceback follows")
        sys.stderr.write(console.redact("".join(traceback.format_exception(error))))
    console.error(_describe(error))


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    raise SystemExit(main())
