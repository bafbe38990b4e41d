"""The public HTTP contract of DESIGN.md, and a clear 4xx for every kind of bad input."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from bot.api import create_app
from bot.pipeline import Pipeline


@pytest.fixture
def client(settings, embedder):
    app = create_app(settings, pipeline=Pipeline.from_settings(settings, embedder=embedder))
    with TestClient(app) as c:
        yield c


def test_answer_contract(client: TestClient) -> None:
    r = client.post("/v1/ask", json={"question": "Can the IRS give my address to ICE?", "state": "CA"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"answer", "lang", "intent", "citations", "referrals", "disclaimer", "as_of", "confidence"}
    assert body["lang"] == "en" and body["as_of"] == "2026-06-08" and 0 <= body["confidence"] <= 1
    assert body["intent"] in ("information", "personal_situation", "emergency", "out_of_scope", "greeting", "unsafe")
    assert [c["n"] for c in body["citations"]] == list(range(1, len(body["citations"]) + 1))
    for c in body["citations"]:
        assert set(c) == {"n", "source_id", "title", "publisher", "date", "url", "locator", "snippet"}
        assert f"[{c['n']}]" in body["answer"]
    for ref in body["referrals"]:
        assert set(ref) == {"name", "kind", "url", "phone", "languages", "reason"}


def test_spanish_question_gets_spanish_answer(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "¿El IRS puede dar mi dirección a ICE?"}).json()
    assert body["lang"] == "es" and "dirección" in body["answer"] and body["citations"]


def test_sms_channel_gets_the_short_answer(client: TestClient) -> None:
    full = client.post("/v1/ask", json={"question": "Can the IRS give my address to ICE?"}).json()
    short = client.post("/v1/ask", json={"question": "Can the IRS give my address to ICE?", "channel": "sms"}).json()
    assert len(short["answer"]) < len(full["answer"]) and len(short["answer"]) <= 320


def test_identifiers_are_never_echoed(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "my itin is 912-78-1234, can they share my address?"}).json()
    assert "912-78-1234" not in json.dumps(body)
    metrics = client.get("/metrics").text
    assert 'bot_identifiers_scrubbed_total{kind="ssn_or_itin"} 1.0' in metrics and "912" not in metrics


BAD = [
    (b"", 400, "not valid JSON"),
    (b"{not json", 400, "not valid JSON"),
    (b"\xff\xfe{}", 400, "not valid UTF-8"),
    (b"[1, 2]", 400, "must be a JSON object"),
    (b"{}", 422, "missing field 'question'"),
    (b'{"question": ""}', 422, "question is empty"),
    (b'{"question": "   \\n\\t "}', 422, "question is empty"),
    (b'{"question": 42}', 422, "'question' must be a string"),
    (b'{"question": ["a"]}', 422, "'question' must be a string"),
    (b'{"question": "hi", "lang": 5}', 422, "'lang' must be a string"),
    (b'{"question": "\\u0000\\u0007\\u001b"}', 422, "question is empty"),
    (b'{"question": "hi", "state": "California"}', 422, "two-letter state code"),
    (b'{"question": "hi", "channel": "fax"}', 422, "'channel' must be one of"),
    (b'{"question": "' + b"a" * 1001 + b'"}', 422, "too long (1001 characters"),
    (b"[" * 5000 + b"]" * 5000, 400, "nested too deeply"),
]


@pytest.mark.parametrize(("raw", "status", "message"), BAD)
def test_bad_input_gets_a_clear_error(client: TestClient, raw: bytes, status: int, message: str) -> None:
    r = client.post("/v1/ask", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    assert message in r.json()["error"]["message"]
    assert client.get("/healthz").status_code == 200  # still serving


def test_oversized_body_is_refused(client: TestClient, settings) -> None:
    raw = json.dumps({"question": "x", "pad": "y" * settings.max_body_bytes}).encode()
    r = client.post("/v1/ask", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "too large" in r.json()["error"]["message"]


def test_health_metrics_docs(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["dense"] is True and health["cards"] == 2
    client.post("/v1/ask", json={"question": "Can the IRS give my address to ICE?"})
    assert "bot_answers_total" in client.get("/metrics").text
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "question" in json.dumps(spec["paths"]["/v1/ask"]["post"]["requestBody"])
