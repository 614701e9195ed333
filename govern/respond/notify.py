"""Incident notifications through apprise: channels whose URLs come from the environment or a Prefect Secret
block (never from the YAML), bounded retries and timeouts, and secrets kept out of every error and log line.

Channels (``ChannelConfig`` in the response policy file; the URL itself lives in an environment variable or a
Prefect Secret block) and what the receiver gets, one HTTP POST per attempt, ``Content-Type: application/json``:

``json``
    The variable holds the receiver's plain ``http(s)://`` URL (``json(s)://`` apprise URLs are accepted too). Its
    query string is forwarded to the receiver unchanged. Sent with apprise's JSON plugin (``json://``), whose
    standard fields are kept and the message's payload merged in as real JSON values (through the plugin's payload
    extras, the ``:key=value`` of its URL form)::

        {"version": "1.0", "title": TITLE, "message": BODY, "attachments": [], "type": LEVEL,
         **payload, "recipients": [{"name": ..., "email": ..., "role": ...}, ...]}

    ``LEVEL`` is the message's apprise type (info, success, warning, failure). Payload keys may therefore not be
    ``version``, ``title``, ``message``, ``attachments``, ``type`` or ``recipients`` (``Message`` refuses them).
``slack``
    A Slack incoming webhook (``https://hooks.slack.com/services/T/B/X``, or ``hooks.slack-gov.com``) goes through
    apprise's Slack plugin, which formats the message its own way. Any other host (Mattermost, Rocket.Chat,
    Zulip's Slack-compatible endpoint, a test receiver) gets a Slack-compatible body through the same JSON plugin
    with its fields remapped (``message`` -> ``text``; ``version``, ``title``, ``attachments``, ``type`` dropped)
    and Block Kit blocks added::

        {"text": "*TITLE*\\nBODY",
         "blocks": [{"type": "header", "text": {"type": "plain_text", "text": TITLE}},
                    {"type": "section", "text": {"type": "mrkdwn", "text": BODY}},
                    {"type": "context", "elements": [{"type": "mrkdwn", "text": "*key:* value"}, ...]}]}

    The JSON route was chosen over apprise's Mattermost plugin (``mmost://``) because the latter rebuilds the path
    as ``/hooks/<token>`` and adds Mattermost-only fields: the JSON route posts to the URL exactly as given.
``email``
    The variable holds an apprise ``mailto://`` / ``mailtos://`` URL (SMTP server, credentials, ``from=``); the
    message's recipients' addresses are added to its targets. Subject TITLE, text body BODY.
``apprise``
    Any apprise URL, used as is: TITLE and BODY only (no structured payload).

Timeouts: each attempt waits at most ``timeout`` seconds to connect and ``timeout`` seconds for the answer (apprise's
``cto``/``rto``), so a slow receiver holds the caller about ``attempts * timeout + sum(backoff)`` at most (name
resolution and an SMTP conversation are not covered by these socket timeouts).

Secrets: a channel's URL, its credentials, path segments and query values are redacted from the error text and
from every log record apprise, requests and urllib3 emit during a delivery (a filter on their loggers), even at
DEBUG level. ``Channel`` never shows its URL in ``repr`` or ``str``; a ``ChannelConfig`` error never echoes one.

Logs: apprise's own records are read for the error text (its warnings say what failed, its DEBUG "Socket
Exception" line says why: refused, timed out). They are collected by a filter on the ``apprise`` logger rather
than ``apprise.LogCapture``, which lowers the logger for the whole process and lets those DEBUG lines through to
the host's handlers: here the host's handlers see only what its logging level asked for, and each thread's
delivery reads only its own records.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Kind = Literal["json", "slack", "email", "apprise"]
Level = Literal["info", "success", "warning", "failure"]

REDACTED = "[redacted]"
SLACK_HOSTS = ("hooks.slack.com", "hooks.slack-gov.com")
# Keys of apprise's JSON body, and ours: a payload field of the same name would be remapped or lost.
RESERVED_PAYLOAD_KEYS = frozenset({"version", "title", "message", "attachments", "type", "recipients"})
# Every logger that can see a URL while apprise sends: urllib3 logs the request line (path and query) at DEBUG.
_LOGGERS = (
    "apprise",
    "requests",
    "urllib3",
    "urllib3.connection",
    "urllib3.connectionpool",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
    "urllib3.http2.connection",
    "urllib3.contrib.pyopenssl",
)
_CHANNEL_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")
_BLOCK_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")  # Prefect block names: lowercase letters, digits, dashes
_MIN_SECRET_LENGTH = 4  # shorter URL parts ("v1", "api") carry no secret and would garble messages


class ChannelConfig(BaseModel):
    """One notification channel as written in the response policy file: a name, a kind, and where its URL is
    kept (exactly one of ``url_env``, an environment variable's name, or ``secret_block``, a Prefect Secret
    block's name). There is no field for the URL: a URL written in the YAML is refused, and never echoed."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    name: str
    kind: Kind
    url_env: str | None = None
    secret_block: str | None = None
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    @model_validator(mode="before")
    @classmethod
    def _no_url_in_the_yaml(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for key, value in data.items():
                if isinstance(value, str) and ("://" in value or value.lower().startswith(("http:", "https:"))):
                    raise ValueError(
                        f"{key} must never hold a URL (the YAML is in the repository): put the URL in an "
                        "environment variable named by url_env, or a Prefect Secret block named by secret_block; "
                        "got a URL instead (not shown)"
                    )
        return data

    @field_validator("name")
    @classmethod
    def _lowercase_name(cls, value: str) -> str:
        if not _CHANNEL_NAME.match(value):
            raise ValueError(
                "name must be lowercase letters, digits, '-' or '_', starting with a letter (at most 64); "
                f"got {_shown(value)} instead"
            )
        return value

    @field_validator("url_env")
    @classmethod
    def _environment_variable_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError(
                "url_env must name an environment variable (uppercase letters, digits and '_', such as "
                f"GOVERN_WEBHOOK_URL); got {_shown(value)} instead"
            )
        return value

    @field_validator("secret_block")
    @classmethod
    def _block_name(cls, value: str | None) -> str | None:
        if value is not None and not _BLOCK_NAME.match(value):
            raise ValueError(
                "secret_block must name a Prefect Secret block (lowercase letters, digits and '-'); "
                f"got {_shown(value)} instead"
            )
        return value

    @model_validator(mode="after")
    def _exactly_one_source(self) -> ChannelConfig:
        if (self.url_env is None) == (self.secret_block is None):
            given = "both" if self.url_env is not None else "neither"
            raise ValueError(f"channel {self.name}: exactly one of url_env or secret_block must be set; got {given}")
        return self


def _shown(value: str) -> str:
    """A refused name as an error may show it: quoted when it cannot be a URL or a token (short, no '/', ':',
    '@', '.', '?'), otherwise not at all."""
    if len(value) <= 64 and not set(value) & set("/:@.?=&"):
        return repr(value)
    return "a value that looks like a URL or a token (not shown)"


@dataclass(frozen=True, repr=False)
class Channel:
    """A resolved channel. ``url`` is the secret: ``repr`` and ``str`` never show it, nor anything derived
    from it; ``source`` says where it came from ("environment variable X", "Prefect Secret block y")."""

    name: str
    kind: Kind
    url: str
    source: str
    timeout: float = 5.0

    def __repr__(self) -> str:
        return f"Channel(name={self.name!r}, kind={self.kind!r}, source={self.source!r}, url={REDACTED!r})"

    def __str__(self) -> str:
        return f"{self.kind} channel {self.name} (URL from {self.source})"

    @property
    def secrets(self) -> tuple[str, ...]:
        """The strings to keep out of errors and logs: the URL and its credentials, path segments and query
        values, as written and percent-encoded."""
        return url_secrets(self.url)


@dataclass(frozen=True)
class Message:
    """What to tell: ``title`` and ``body`` (plain text), ``payload`` (JSON-serialisable fields for machines:
    incident id, event, model, feed, sev, status, night, ...), ``recipients`` (the escalation path's contacts,
    each ``{"name", "email", "role"}``) and ``level`` (apprise's type: info, success, warning, failure)."""

    title: str
    body: str
    payload: dict[str, Any] = field(default_factory=dict)
    recipients: tuple[dict[str, Any], ...] = ()
    level: Level = "info"

    def __post_init__(self) -> None:
        clash = sorted(RESERVED_PAYLOAD_KEYS & set(self.payload))
        if clash:
            raise ValueError(
                f"Message.payload must not use the keys {sorted(RESERVED_PAYLOAD_KEYS)} (the JSON body's own); "
                f"got {clash} instead"
            )
        if self.level not in ("info", "success", "warning", "failure"):
            raise ValueError(f"Message.level must be info, success, warning or failure; got {self.level!r} instead")
        try:
            json.dumps(self.payload)
            json.dumps(list(self.recipients))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"Message.payload and recipients must be JSON-serialisable; got {exc} instead") from exc


@dataclass(frozen=True)
class Delivery:
    """How a delivery went: ``ok``, the number of ``attempts`` made, the last ``error`` (redacted; None when
    ok) and the wall-clock ``seconds`` it took, backoff included."""

    ok: bool
    attempts: int
    error: str | None
    seconds: float


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced by ``[redacted]``, longest secrets first (so a
    URL goes whole before its parts)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def url_secrets(url: str) -> tuple[str, ...]:
    """The parts of ``url`` that may be secret: the whole URL, user name and password, every path segment and
    every query value of at least four characters, each also percent-encoded and decoded."""
    parts = {url}
    try:
        split = urlsplit(url)
        parts.update(p for p in (split.username, split.password) if p)
        parts.update(split.path.split("/"))
        parts.update(split.query.split("&"))
        parts.update(value for _, value in parse_qsl(split.query, keep_blank_values=True))
        if split.query:
            parts.add(split.query)
        if split.path.strip("/"):
            parts.add(split.path)
    except ValueError:  # an unparseable URL: the whole string is still redacted
        pass
    variants = set()
    for part in parts:
        if len(part) >= _MIN_SECRET_LENGTH:
            variants.update({part, unquote(part), quote(part, safe=""), quote_plus(part), quote(part, safe="/")})
    return tuple(sorted(variants, key=len, reverse=True))


def resolve_channels(
    configs: Iterable[ChannelConfig],
    environ: Mapping[str, str],
    secret: Callable[[str], str] | None,
) -> tuple[list[Channel], list[str]]:
    """Look up each channel's URL in ``environ`` (``url_env``) or through ``secret`` (``secret_block``: the
    flows layer passes a reader of Prefect Secret blocks; None where there is none) and check it suits the
    kind. Returns the usable channels and one problem sentence per channel that is not; a problem never
    contains the URL. Never raises for a missing or unreadable secret."""
    channels: list[Channel] = []
    problems: list[str] = []
    seen: set[str] = set()
    for config in configs:
        if config.name in seen:
            problems.append(f"channel {config.name}: names must be unique; got a second channel of that name")
            continue
        seen.add(config.name)
        url, source, problem = _read_url(config, environ, secret)
        if problem is None and url is not None:
            problem = _unsuitable(config.kind, url, source)
        if problem is not None or url is None:
            problems.append(f"channel {config.name}: {problem}")
            continue
        channels.append(Channel(config.name, config.kind, url, source, config.timeout_seconds))
    return channels, problems


def deliver(
    channel: Channel,
    message: Message,
    *,
    attempts: int = 3,
    backoff: Sequence[float] = (0.5, 1.0),
    timeout: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send ``message`` on ``channel``: up to ``attempts`` tries, sleeping ``backoff[i]`` before try ``i + 2``
    (the last value repeats), each try bounded by ``timeout`` seconds to connect and as many for the answer
    (default: the channel's ``timeout_seconds``). Never raises for a failed delivery: returns ``ok=False`` with
    the last error, its secrets redacted. ``sleep`` is injectable for tests."""
    if attempts < 1:
        raise ValueError(f"deliver: attempts must be at least 1; got {attempts} instead")
    if any(b < 0 for b in backoff):
        raise ValueError(f"deliver: backoff must be non-negative seconds; got {list(backoff)} instead")
    per_try = channel.timeout if timeout is None else timeout
    if not per_try > 0:
        raise ValueError(f"deliver: timeout must be positive seconds; got {per_try} instead")
    secrets = channel.secrets
    started = time.monotonic()
    error: str | None = None
    made = 0
    with _redacted_logs(secrets):
        for made in range(1, attempts + 1):
            if made > 1 and backoff:
                sleep(backoff[min(made - 2, len(backoff) - 1)])
            error = _attempt(channel, message, per_try)
            if error is None:
                break
    return Delivery(
        ok=error is None,
        attempts=made,
        error=None if error is None else redact(error, secrets),
        seconds=round(time.monotonic() - started, 3),
    )


def notifier(channel: Channel, message: Message, *, timeout: float) -> Any:
    """The apprise plugin instance (``apprise.plugins.NotifyBase``) that sends ``message`` on ``channel``, built
    from the channel's URL and the message (payload, recipients) with socket timeouts of ``timeout`` seconds.
    None if apprise cannot build one. (apprise logs the URL while parsing it: redacted here too.)"""
    import apprise
    from apprise.plugins import url_to_dict

    with _redacted_logs(channel.secrets):
        results = _apprise_arguments(channel, message, url_to_dict)
        if results is None:
            return None
        results["cto"] = timeout
        results["rto"] = timeout
        return apprise.Apprise.instantiate(results, asset=_asset())


def _read_url(
    config: ChannelConfig, environ: Mapping[str, str], secret: Callable[[str], str] | None
) -> tuple[str | None, str, str | None]:
    if config.url_env is not None:
        source = f"environment variable {config.url_env}"
        value = environ.get(config.url_env, "").strip()
        if not value:
            return None, source, f"{source} must be set; it is not"
        return value, source, None
    block = config.secret_block
    source = f"Prefect Secret block {block}"
    if secret is None or block is None:
        return None, source, f"{source} must be readable; no Secret block reader was given here"
    try:
        value = secret(block)
    except Exception as exc:  # the reader is foreign (Prefect): any failure is this channel's problem, reported
        return None, source, f"{source} must be readable; reading it failed ({type(exc).__name__})"
    if not isinstance(value, str) or not value.strip():
        return None, source, f"{source} must hold a URL; it is empty"
    return value.strip(), source, None


def _unsuitable(kind: Kind, url: str, source: str) -> str | None:
    scheme = url.split("://", 1)[0].lower() if "://" in url else None
    shown = f"a URL with scheme {scheme!r}" if scheme else "a value that is not a URL"
    if kind == "json":
        if scheme not in ("http", "https", "json", "jsons") or not _host(url):
            return f"{source} must hold an http(s):// webhook URL; got {shown} instead"
    elif kind == "slack":
        if scheme not in ("http", "https") or not _host(url):
            return f"{source} must hold an http(s):// Slack-compatible webhook URL; got {shown} instead"
        if _host(url) in SLACK_HOSTS and not _parses(url):
            return (
                f"{source} must hold a Slack incoming-webhook URL (https://hooks.slack.com/services/T/B/X); "
                "got another hooks.slack.com URL instead"
            )
    elif kind == "email":
        if scheme not in ("mailto", "mailtos") or not _parses(url):
            return f"{source} must hold an apprise mailto:// or mailtos:// URL; got {shown} instead"
    elif not _parses(url):
        return f"{source} must hold a URL apprise supports; got {shown} instead"
    return None


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _parses(url: str) -> bool:
    import apprise
    from apprise.plugins import url_to_dict

    with _redacted_logs(url_secrets(url)):
        results = url_to_dict(url)
        return results is not None and apprise.Apprise.instantiate(results, asset=_asset()) is not None


def _asset() -> Any:
    import apprise

    # async_mode off: the send runs in the calling thread, inside its timeouts and log redaction.
    return apprise.AppriseAsset(async_mode=False, secure_logging=True)


def _apprise_arguments(channel: Channel, message: Message, url_to_dict: Callable[[str], Any]) -> dict | None:
    url = channel.url
    if channel.kind in ("apprise", "email") or (channel.kind == "slack" and _host(url) in SLACK_HOSTS):
        results = url_to_dict(url)
        if results is not None and channel.kind == "email":
            emails = [str(r["email"]) for r in message.recipients if r.get("email")]
            results["targets"] = [*results.get("targets", []), *emails]
        return results
    # json, or slack on any other host: apprise's JSON plugin, posting to the URL as given.
    split = urlsplit(url)
    scheme = {"http": "json", "https": "jsons"}.get(split.scheme.lower(), split.scheme.lower())
    results = url_to_dict(split._replace(scheme=scheme, query="", fragment="").geturl())
    if results is None:
        return None
    # The receiver's own query string: apprise would read it as its arguments; forwarded as GET params.
    results["params"] = dict(parse_qsl(split.query, keep_blank_values=True))
    results["payload"] = _slack_fields(message) if channel.kind == "slack" else _json_fields(message)
    return results


def _json_fields(message: Message) -> dict[str, Any]:
    return {**message.payload, "recipients": [dict(r) for r in message.recipients]}


def _slack_fields(message: Message) -> dict[str, Any]:
    context = [
        {"type": "mrkdwn", "text": f"*{key}:* {value}"}
        for key, value in message.payload.items()
        if isinstance(value, str | int | float) and not isinstance(value, bool)
    ][:10]  # Block Kit allows ten context elements
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150] or "-"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": message.body[:3000] or "-"}},
    ]
    if context:
        blocks.append({"type": "context", "elements": context})
    # Payload extras of apprise's JSON plugin: a standard key mapped to a new name is renamed, to "" dropped.
    return {"message": "text", "title": "", "version": "", "attachments": "", "type": "", "blocks": blocks}


def _attempt(channel: Channel, message: Message, timeout: float) -> str | None:
    """One try; the error text (not yet redacted) or None when delivered."""
    import apprise

    with _APPRISE_DEBUG.opened() as floor:
        log = _AttemptLog(floor)
        apprise_logger = logging.getLogger("apprise")
        apprise_logger.addFilter(log)
        plugin = None
        try:
            plugin = notifier(channel, message, timeout=timeout)
            outcome: bool | None = False
            if plugin is not None:
                sender = apprise.Apprise(asset=_asset())
                sender.add(plugin)
                body = f"*{message.title}*\n{message.body}" if _is_slack_json(channel) else message.body
                outcome = sender.notify(
                    body=body,
                    title=message.title,
                    notify_type=apprise.NotifyType(message.level),
                    body_format=apprise.NotifyFormat.TEXT,
                )
        except Exception as exc:  # apprise or a plugin failing unexpectedly is a failed delivery, never a crash
            return f"{channel}: apprise failed: {type(exc).__name__}: {exc}"
        finally:
            apprise_logger.removeFilter(log)
    if outcome:
        return None
    return f"{channel}: {_error_text(log.lines, plugin is None)}"


def _is_slack_json(channel: Channel) -> bool:
    return channel.kind == "slack" and _host(channel.url) not in SLACK_HOSTS


def _error_text(lines: Sequence[tuple[int, str]], unbuilt: bool) -> str:
    # apprise's warnings say what failed; its DEBUG "Socket Exception" line says why (refused, timed out).
    kept = [text.strip() for level, text in lines if level >= logging.WARNING or text.startswith("Socket Exception")]
    if unbuilt:
        kept.insert(0, "apprise could not use the URL")
    return " | ".join(kept)[:2000] or "delivery failed (apprise gave no reason)"


class _Redactor(logging.Filter):
    """Rewrites a record's message (and traceback text) with the secrets redacted, before any handler sees it."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        cleaned = redact(text, self.secrets)
        if cleaned != text:
            record.msg, record.args = cleaned, None
        if record.exc_info:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)), self.secrets)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


class _AttemptLog(logging.Filter):
    """On apprise's logger during one attempt, after the redactor: keeps the calling thread's records for the
    error text, and passes a record on to the handlers only at or above ``floor``, the level apprise's logger
    had before the attempt (its DEBUG records are made for the error text, not for the host's console)."""

    def __init__(self, floor: int) -> None:
        super().__init__()
        self.floor = floor
        self.thread = threading.get_ident()
        self.lines: list[tuple[int, str]] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread == self.thread:
            self.lines.append((record.levelno, record.getMessage()))
        return record.levelno >= self.floor


class _DebugGate:
    """Lowers apprise's logger to DEBUG while any attempt runs (so that it makes the DEBUG record naming the
    socket error), restoring it after the last one, across threads. ``opened`` yields the effective level the
    logger had before: the floor of what the host's handlers still see."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved = logging.NOTSET
        self._floor = logging.WARNING

    @contextmanager
    def opened(self) -> Iterator[int]:
        logger = logging.getLogger("apprise")
        with self._lock:
            if self._users == 0:
                self._saved, self._floor = logger.level, logger.getEffectiveLevel()
                if self._floor > logging.DEBUG:
                    logger.setLevel(logging.DEBUG)
            self._users += 1
            floor = self._floor
        try:
            yield floor
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    logger.setLevel(self._saved)


_APPRISE_DEBUG = _DebugGate()


@contextmanager
def _redacted_logs(secrets: Sequence[str]) -> Iterator[None]:
    redactor = _Redactor(secrets)
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    for logger in loggers:
        logger.addFilter(redactor)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(redactor)
