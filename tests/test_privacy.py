"""Property tests: identifiers in many formats and languages never reach answers, logs, metrics or stored state."""

from __future__ import annotations

import io
import logging

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.api import create_app
from bot.guard import scrub
from bot.logs import JsonFormatter
from bot.pipeline import Pipeline

digits = st.integers(min_value=0, max_value=9).map(str)


def grouped(parts: list[int], seps: list[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.lists(digits, min_size=sum(parts), max_size=sum(parts)), st.sampled_from(seps)).map(
        lambda t: t[1].join("".join(t[0][sum(parts[:i]) : sum(parts[: i + 1])]) for i in range(len(parts)))
    )


itin = st.tuples(
    st.integers(70, 88), st.integers(0, 99), st.integers(0, 9999), st.sampled_from(["-", " ", "", "."])
).map(lambda t: f"9{t[1]:02d}{t[3]}{t[0]}{t[3]}{t[2]:04d}")
ssn = grouped([3, 2, 4], ["-", " ", ""])
a_number = st.tuples(st.sampled_from(["A", "A-", "A#", "a"]), grouped([3, 3, 3], ["", "-", " "])).map("".join)
phone = st.tuples(st.sampled_from(["", "+1 ", "1-", "("]), grouped([3, 3, 4], ["-", ".", " "])).map("".join)
email = st.from_regex(r"[a-z]{3,8}\.[a-z]{2,6}@[a-z]{3,8}\.(com|org|mx)", fullmatch=True)
dob = st.tuples(st.integers(1, 12), st.integers(1, 28), st.integers(1940, 2010), st.sampled_from(["/", "-"])).map(
    lambda t: f"{t[0]:02d}{t[3]}{t[1]:02d}{t[3]}{t[2]}"
)
passport = st.tuples(
    st.sampled_from(["passport", "pasaporte", "visa"]), st.from_regex(r"[A-Z]\d{8}", fullmatch=True)
).map(lambda t: f"{t[0]} {t[1]}")
identifier = st.one_of(itin, ssn, a_number, phone, email, dob, passport)
frames = st.sampled_from(
    [
        "my number is {} can the IRS share it?",
        "mi número es {}, ¿el IRS lo comparte con ICE?",
        "我的号码是 {} 国税局会给移民局吗",
        "số của tôi là {} IRS có chia sẻ không",
        "nimewo mwen se {} eske IRS ka pataje l",
        "{}",
    ]
)


def secret_of(value: str) -> str:
    """The identifying core of a value: its digits (or the email's local part)."""
    if "@" in value:
        return value.split("@")[0]
    return "".join(ch for ch in value if ch.isdigit())


@given(value=identifier, frame=frames)
@hsettings(max_examples=300, deadline=None)
def test_scrub_removes_every_generated_identifier(value: str, frame: str) -> None:
    cleaned = scrub(frame.format(value)).text
    assert secret_of(value) not in "".join(ch for ch in cleaned if ch.isdigit() or ch.isalpha() or ch == ".")


@given(value=identifier, frame=frames)
@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_identifiers_reach_no_answer_log_metric_or_state(value: str, frame: str, privacy_client) -> None:
    client, stream, pipeline = privacy_client
    r = client.post("/v1/ask", json={"question": frame.format(value), "session": "fuzz"})
    secret = secret_of(value)
    assert r.status_code == 200
    assert secret not in r.text
    assert secret not in stream.getvalue()
    assert secret not in client.get("/metrics").text
    assert secret not in repr(pipeline.sessions._data)


import pytest  # noqa: E402


@pytest.fixture(scope="module")
def privacy_client(tmp_path_factory, model_dir, embedder):  # type: ignore[no-untyped-def]
    from bot.config import load_settings
    from tests.conftest import FIXTURE_PACK

    tmp = tmp_path_factory.mktemp("privacy")
    settings = load_settings(
        env="test", knowledge_dir=FIXTURE_PACK, data_dir=tmp, model_dir=model_dir, rate_burst=10_000
    )
    pipeline = Pipeline.from_settings(settings, embedder=embedder)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    with TestClient(create_app(settings, pipeline=pipeline)) as client:
        logger = logging.getLogger("bot")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        yield client, stream, pipeline
        logger.removeHandler(handler)
