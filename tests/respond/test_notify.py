"""Notifications against a real HTTP receiver on 127.0.0.1: what arrives for each kind, retries with backoff,
timeouts that cut a slow receiver off, a receiver that is down, and secrets that never leak."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from pydantic import ValidationError

from govern.respond.notify import (
    REDACTED,
    Channel,
    ChannelConfig,
    Delivery,
    Message,
    deliver,
    notifier,
    redact,
    resolve_channels,
    url_secrets,
)
from tests.receiver import Receiver, closed_url

PATH_TOKEN = "pathTOKEN-9f3c1a7e5b"
QUERY_TOKEN = "queryTOKEN-2d8e4b6a0c"
SECRET_PATH = f"/hooks/{PATH_TOKEN}?token={QUERY_TOKEN}"

PAYLOAD = {
    "incident_id": 42,
    "event": "opened",
    "model": "loan_approval",
    "feed": "loan_feed",
    "sev": "SEV2",
    "status": "open",
    "night": "2026-03-14",
    "checks": ["drift.psi"],
}
RECIPIENTS = ({"name": "Ana Ops", "email": "ana@example.org", "role": "owner"},)
MESSAGE = Message(
    title="SEV2 incident 42 opened: loan_approval drift",
    body="PSI of income 0.31 above 0.2 on 2026-03-14.",
    payload=PAYLOAD,
    recipients=RECIPIENTS,
    level="failure",
)


class Sleeps:
    """A fake ``sleep`` that records what it was asked to wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    """Starts receivers (``receiver("fail")``, ``receiver("slow", delay=3)``) and stops them after the test."""
    started: list[Receiver] = []

    def start(mode: str = "ok", delay: float = 2.0) -> Receiver:
        hook = Receiver(mode, delay=delay).start()  # type: ignore[arg-type]
        started.append(hook)
        return hook

    yield start
    for hook in started:
        hook.stop()


def channel(kind: str, url: str) -> Channel:
    config = ChannelConfig(name="ops-webhook", kind=kind, url_env="GOVERN_WEBHOOK_URL")
    channels, problems = resolve_channels([config], {"GOVERN_WEBHOOK_URL": url}, None)
    assert problems == []
    return channels[0]


# --- what arrives ---------------------------------------------------------------------------------------------


def test_a_json_webhook_receives_one_object_with_title_message_and_the_payload_fields(receiver) -> None:
    hook = receiver()
    delivery = deliver(channel("json", hook.url + SECRET_PATH), MESSAGE)

    assert delivery == Delivery(ok=True, attempts=1, error=None, seconds=delivery.seconds)
    [request] = hook.requests
    assert request.method == "POST"
    assert request.path == SECRET_PATH  # the receiver's own query string is forwarded unchanged
    assert request.headers["Content-Type"] == "application/json"
    assert request.json == {
        "version": "1.0",
        "title": MESSAGE.title,
        "message": MESSAGE.body,
        "attachments": [],
        "type": "failure",
        **PAYLOAD,  # as JSON values: 42 a number, checks a list
        "recipients": list(RECIPIENTS),
    }


def test_a_slack_compatible_webhook_on_another_host_receives_text_and_blocks(receiver) -> None:
    hook = receiver()
    delivery = deliver(channel("slack", hook.url + SECRET_PATH), MESSAGE)

    assert delivery.ok, delivery.error
    [request] = hook.requests
    assert request.path == SECRET_PATH
    assert request.headers["Content-Type"] == "application/json"
    body = request.json
    assert set(body) == {"text", "blocks"}
    assert body["text"] == f"*{MESSAGE.title}*\n{MESSAGE.body}"
    header, section, context = body["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": MESSAGE.title}}
    assert section == {"type": "section", "text": {"type": "mrkdwn", "text": MESSAGE.body}}
    assert {"type": "mrkdwn", "text": "*sev:* SEV2"} in context["elements"]
    assert {"type": "mrkdwn", "text": "*incident_id:* 42"} in context["elements"]


def test_an_apprise_url_is_used_as_is(receiver) -> None:
    hook = receiver()
    delivery = deliver(channel("apprise", hook.url.replace("http://", "json://") + "/apprise"), MESSAGE)

    assert delivery.ok, delivery.error
    [request] = hook.requests
    assert request.path == "/apprise"
    assert request.json["title"] == MESSAGE.title
    assert request.json["message"] == MESSAGE.body
    assert "incident_id" not in request.json


def test_a_real_slack_webhook_goes_through_apprises_slack_plugin() -> None:
    slack = channel("slack", "https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/abcdefghijklmnopqrstuvwx")

    plugin = notifier(slack, MESSAGE, timeout=2.0)

    assert type(plugin).__name__ == "NotifySlack"
    assert plugin.request_timeout == (2.0, 2.0)


def test_an_email_channel_is_addressed_to_the_messages_recipients() -> None:
    email = channel("email", "mailto://alerts:smtp-pass-123@smtp.example.org?from=governance@example.org")

    plugin = notifier(email, MESSAGE, timeout=2.0)

    assert type(plugin).__name__ == "NotifyEmail"
    assert [address for _, address in plugin.targets] == ["ana@example.org"]
    assert plugin.url(privacy=True).startswith("mailto://alerts:****@smtp.example.org/ana%40example.org?")


# --- failures: retries, backoff, timeouts, down ---------------------------------------------------------------


def test_a_failing_receiver_gives_ok_false_after_every_attempt_with_backoff_between(receiver) -> None:
    hook = receiver("fail")
    sleeps = Sleeps()

    delivery = deliver(channel("json", hook.url + SECRET_PATH), MESSAGE, attempts=3, backoff=(0.5, 1.0), sleep=sleeps)

    assert not delivery.ok
    assert delivery.attempts == 3
    assert len(hook.requests) == 3
    assert sleeps.calls == [0.5, 1.0]
    assert delivery.error is not None and "error=500" in delivery.error
    assert delivery.error.startswith("json channel ops-webhook (URL from environment variable GOVERN_WEBHOOK_URL)")


def test_backoff_repeats_its_last_value_and_a_success_stops_the_retries(receiver) -> None:
    hook = receiver("fail")
    sleeps = Sleeps()
    assert not deliver(channel("json", hook.url), MESSAGE, attempts=4, backoff=(0.5, 1.0), sleep=sleeps).ok
    assert sleeps.calls == [0.5, 1.0, 1.0]

    hook.mode = "ok"
    sleeps.calls.clear()
    delivery = deliver(channel("json", hook.url), MESSAGE, attempts=4, sleep=sleeps)
    assert (delivery.ok, delivery.attempts, sleeps.calls) == (True, 1, [])


def test_a_slow_receiver_is_cut_off_by_the_timeout(receiver) -> None:
    hook = receiver("slow", delay=10.0)

    delivery = deliver(
        channel("json", hook.url + SECRET_PATH), MESSAGE, attempts=2, backoff=(0.1,), timeout=0.4, sleep=Sleeps()
    )

    assert not delivery.ok
    assert delivery.attempts == 2
    assert len(hook.requests) == 2
    assert 0.7 <= delivery.seconds < 2 * 0.4 + 1.0  # attempts * timeout, plus a margin: never the 10 s delay
    assert delivery.error is not None and "timed out" in delivery.error


def test_the_channels_timeout_is_the_default(receiver) -> None:
    hook = receiver("slow", delay=10.0)
    config = ChannelConfig(name="slow", kind="json", url_env="HOOK", timeout_seconds=0.3)
    [slow], _ = resolve_channels([config], {"HOOK": hook.url}, None)

    delivery = deliver(slow, MESSAGE, attempts=1)

    assert not delivery.ok
    assert delivery.seconds < 0.3 + 1.0


def test_a_receiver_that_is_down_gives_ok_false_without_raising() -> None:
    sleeps = Sleeps()
    delivery = deliver(channel("slack", closed_url() + SECRET_PATH), MESSAGE, attempts=2, sleep=sleeps)

    assert (delivery.ok, delivery.attempts, sleeps.calls) == (False, 2, [0.5])
    assert delivery.error is not None and "Connection refused" in delivery.error


def test_deliver_refuses_nonsense_arguments() -> None:
    down = channel("json", closed_url())
    with pytest.raises(ValueError, match="attempts must be at least 1; got 0 instead"):
        deliver(down, MESSAGE, attempts=0)
    with pytest.raises(ValueError, match="timeout must be positive"):
        deliver(down, MESSAGE, timeout=0)
    with pytest.raises(ValueError, match="backoff must be non-negative"):
        deliver(down, MESSAGE, backoff=(-1.0,))


# --- secrets ----------------------------------------------------------------------------------------------------


def test_the_secret_never_appears_in_errors_channels_or_log_records(receiver, caplog) -> None:
    caplog.set_level(1)  # everything apprise, requests and urllib3 log, TRACE included
    user, password = "hookuser", "hookPASSWORD-77aa"
    secrets = (PATH_TOKEN, QUERY_TOKEN, password)
    seen: list[str] = []
    for mode in ("ok", "fail", "slow"):
        hook = receiver(mode, delay=5.0)
        for kind in ("json", "slack"):
            url = hook.url.replace("http://", f"http://{user}:{password}@") + SECRET_PATH
            ch = channel(kind, url)
            delivery = deliver(ch, MESSAGE, attempts=2, timeout=0.3, sleep=Sleeps())
            assert delivery.ok is (mode == "ok")
            seen += [repr(ch), str(ch), repr(delivery), delivery.error or ""]
        assert all(r.path == SECRET_PATH for r in hook.requests)  # the secret was really used on the wire
    for kind in ("json", "slack"):
        down = channel(kind, closed_url() + SECRET_PATH)
        seen.append(deliver(down, MESSAGE, attempts=1).error or "")
    _, problems = resolve_channels(
        [ChannelConfig(name="bad", kind="json", url_env="BAD")], {"BAD": f"ftp://x/{PATH_TOKEN}"}, None
    )
    seen += problems

    records = [record.getMessage() for record in caplog.records]
    assert any(r.name == "urllib3.connectionpool" for r in caplog.records), "the capture must see the requests"
    assert any(REDACTED in message for message in records), "the redaction must have had something to do"
    for secret in secrets:
        assert not [text for text in seen if secret in text]
        assert not [message for message in records if secret in message]
        assert secret not in caplog.text


def test_redact_replaces_the_whole_url_before_its_parts() -> None:
    url = f"https://hooks.example.org{SECRET_PATH}"
    text = f"failed to post to {url}; token {QUERY_TOKEN}; path {PATH_TOKEN}"
    assert redact(text, url_secrets(url)) == f"failed to post to {REDACTED}; token {REDACTED}; path {REDACTED}"
    assert redact("nothing here", url_secrets(url)) == "nothing here"
    assert "hooks.example.org" not in url_secrets(url)  # the host is not a secret: errors may name it


# --- channels from the environment and Secret blocks -------------------------------------------------------------


def test_a_missing_environment_variable_is_a_problem_naming_the_channel_and_the_variable() -> None:
    config = ChannelConfig(name="ops-webhook", kind="json", url_env="GOVERN_WEBHOOK_URL")

    for environ in ({}, {"GOVERN_WEBHOOK_URL": "  "}):
        channels, problems = resolve_channels([config], environ, None)
        assert channels == []
        assert problems == ["channel ops-webhook: environment variable GOVERN_WEBHOOK_URL must be set; it is not"]


def test_secret_blocks_are_read_through_the_callable_given() -> None:
    config = ChannelConfig(name="pager", kind="slack", secret_block="pager-webhook")
    url = f"https://chat.example.org{SECRET_PATH}"

    [pager], problems = resolve_channels([config], {}, {"pager-webhook": url}.__getitem__)
    assert problems == []
    assert (pager.url, pager.source) == (url, "Prefect Secret block pager-webhook")

    _, problems = resolve_channels([config], {}, None)
    assert problems == [
        "channel pager: Prefect Secret block pager-webhook must be readable; no Secret block reader was given here"
    ]

    def missing(name: str) -> str:
        raise ValueError(f"Unable to find block document named {name}")

    _, problems = resolve_channels([config], {}, missing)
    assert problems == [
        "channel pager: Prefect Secret block pager-webhook must be readable; reading it failed (ValueError)"
    ]


@pytest.mark.parametrize(
    ("kind", "value", "problem"),
    [
        ("json", f"ftp://files.example.org{SECRET_PATH}", "must hold an http(s):// webhook URL; got a URL with scheme"),
        ("json", PATH_TOKEN, "must hold an http(s):// webhook URL; got a value that is not a URL instead"),
        ("slack", f"mailto://a@b.org{SECRET_PATH}", "Slack-compatible webhook URL; got a URL with scheme 'mailto'"),
        ("slack", f"https://hooks.slack.com/other{SECRET_PATH}", "must hold a Slack incoming-webhook URL"),
        ("email", f"https://mail.example.org{SECRET_PATH}", "mailto:// or mailtos:// URL; got a URL with scheme"),
        ("apprise", f"nosuchservice://{PATH_TOKEN}", "must hold a URL apprise supports"),
    ],
)
def test_a_url_unfit_for_its_kind_is_a_problem_that_does_not_show_it(kind: str, value: str, problem: str) -> None:
    config = ChannelConfig(name="ops", kind=kind, url_env="HOOK")

    channels, problems = resolve_channels([config], {"HOOK": value}, None)

    assert channels == []
    [text] = problems
    assert text.startswith("channel ops: environment variable HOOK ")
    assert problem in text
    assert PATH_TOKEN not in text and QUERY_TOKEN not in text


def test_channel_names_must_be_unique_and_the_others_still_resolve() -> None:
    configs = [
        ChannelConfig(name="ops", kind="json", url_env="A"),
        ChannelConfig(name="ops", kind="json", url_env="B"),
        ChannelConfig(name="chat", kind="slack", url_env="B"),
    ]
    channels, problems = resolve_channels(configs, {"A": "http://a.example.org", "B": "http://b.example.org"}, None)
    assert [c.name for c in channels] == ["ops", "chat"]
    assert problems == ["channel ops: names must be unique; got a second channel of that name"]


# --- the channel's configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"name": "ops", "kind": "json", "url": f"https://x.org{SECRET_PATH}"}, "url must never hold a URL"),
        ({"name": "ops", "kind": "json", "url_env": f"https://x.org{SECRET_PATH}"}, "url_env must never hold a URL"),
        ({"name": "ops", "kind": "json", "secret_block": f"http:{PATH_TOKEN}"}, "secret_block must never hold a URL"),
        ({"name": "ops", "kind": "json"}, "exactly one of url_env or secret_block must be set; got neither"),
        ({"name": "ops", "kind": "json", "url_env": "A", "secret_block": "b"}, "exactly one of url_env or secret"),
        ({"name": "Ops", "kind": "json", "url_env": "A"}, "name must be lowercase letters"),
        ({"name": f"hooks.example.org/{PATH_TOKEN}", "kind": "json", "url_env": "A"}, "looks like a URL or a token"),
        ({"name": "ops", "kind": "json", "url_env": f"hooks.example.org/{PATH_TOKEN}"}, "(not shown)"),
        ({"name": "ops", "kind": "json", "url_env": "lower_case"}, "url_env must name an environment variable"),
        ({"name": "ops", "kind": "json", "secret_block": "Has Spaces"}, "secret_block must name a Prefect Secret"),
        ({"name": "ops", "kind": "sms", "url_env": "A"}, "Input should be 'json', 'slack', 'email' or 'apprise'"),
        ({"name": "ops", "kind": "json", "url_env": "A", "timeout_seconds": 600}, "less than or equal to 60"),
    ],
)
def test_channel_configs_are_refused_with_a_reason_and_never_echo_a_url(raw: dict, expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ChannelConfig.model_validate(raw)
    assert expected in str(caught.value)
    assert PATH_TOKEN not in str(caught.value) and QUERY_TOKEN not in str(caught.value)


def test_a_channel_config_reads_its_defaults() -> None:
    config = ChannelConfig.model_validate({"name": "ops-webhook", "kind": "slack", "secret_block": "ops-hook"})
    assert (config.url_env, config.secret_block, config.timeout_seconds) == (None, "ops-hook", 5.0)


# --- messages ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["title", "message", "type", "version", "attachments", "recipients"])
def test_a_payload_may_not_reuse_the_json_bodys_own_keys(key: str) -> None:
    with pytest.raises(ValueError, match=f"got \\['{key}'\\] instead"):
        Message(title="t", body="b", payload={key: "x"})


def test_a_message_must_be_json_serialisable_and_of_a_known_level() -> None:
    with pytest.raises(ValueError, match="JSON-serialisable"):
        Message(title="t", body="b", payload={"when": object()})
    with pytest.raises(ValueError, match="level must be info, success, warning or failure"):
        Message(title="t", body="b", level="panic")  # type: ignore[arg-type]


def test_logging_is_left_as_it_was_found() -> None:
    loggers = [logging.getLogger(n) for n in ("apprise", "urllib3.connectionpool")]
    before = [(lg.level, list(lg.filters), list(lg.handlers)) for lg in loggers]
    deliver(channel("json", closed_url()), MESSAGE, attempts=1)
    assert [(lg.level, list(lg.filters), list(lg.handlers)) for lg in loggers] == before


def test_the_hosts_handlers_see_only_the_level_it_asked_for_while_the_error_keeps_the_debug_detail() -> None:
    seen: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    apprise_logger, collect = logging.getLogger("apprise"), Collect(level=logging.NOTSET)
    level = apprise_logger.level
    apprise_logger.setLevel(logging.WARNING)
    logging.getLogger().addHandler(collect)
    try:
        delivery = deliver(channel("json", closed_url() + SECRET_PATH), MESSAGE, attempts=1)
    finally:
        logging.getLogger().removeHandler(collect)
        apprise_logger.setLevel(level)

    assert delivery.error is not None and "Connection refused" in delivery.error  # from apprise's DEBUG line
    from_apprise = [r for r in seen if r.name == "apprise"]
    assert from_apprise and all(r.levelno >= logging.WARNING for r in from_apprise)
    assert apprise_logger.level == level


def test_deliveries_in_threads_keep_their_own_errors(receiver) -> None:
    import threading

    good, bad = receiver("ok"), receiver("fail")
    results: dict[str, Delivery] = {}

    def send(name: str, url: str) -> None:
        results[name] = deliver(channel("json", url), MESSAGE, attempts=3, backoff=(0.05,))

    threads = [threading.Thread(target=send, args=(n, u)) for n, u in (("good", good.url), ("bad", bad.url))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results["good"].ok and results["good"].error is None
    assert not results["bad"].ok and results["bad"].error is not None
    assert results["bad"].error.count("error=500") == 1  # the last attempt's error, nobody else's
    assert "Sent JSON" not in results["bad"].error
