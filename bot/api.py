"""HTTP API: `create_app(settings)` builds the FastAPI app; the pipeline loads once, in the lifespan.

The /v1/ask body is parsed by hand rather than by FastAPI's model binding, so that every kind of bad input (too big,
invalid UTF-8, not JSON, nested too deep, wrong types, empty) gets a 4xx JSON error that names the problem in
words a caller can act on. Unexpected failures return a generic 500 body, never a stack trace.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel, Field

from bot import __version__
from bot.config import Settings
from bot.errors import InputError
from bot.logs import setup_logging
from bot.pipeline import Pipeline
from bot.types import Answer, Question

CHANNELS = ("api", "web", "widget", "console", "sms", "cli")


class AskRequest(BaseModel):
    """The /v1/ask request body (documented here; parsed by `parse_ask`)."""

    question: str = Field(min_length=1, description="The question, in any supported language")
    lang: str | None = Field(default=None, description="BCP-47 code to answer in; detected when absent")
    channel: str | None = Field(default="api", description=f"One of {', '.join(CHANNELS)}")
    state: str | None = Field(default=None, description="Two-letter U.S. state code, for local referrals")
    session: str | None = Field(default=None, description="Opaque session id (never an identifier of a person)")


ASK_SCHEMA = AskRequest.model_json_schema()


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.answers = Counter("bot_answers", "Answers sent", ["intent", "lang"], registry=self.registry)
        self.no_answer = Counter("bot_no_answer", "Answers with no trusted card", registry=self.registry)
        self.rejected = Counter(
            "bot_rejected_requests", "Requests refused as bad input", ["reason"], registry=self.registry
        )
        self.blocked = Counter(
            "bot_forbidden_claims_blocked", "Answers replaced by the claims gate", registry=self.registry
        )
        self.scrubbed = Counter(
            "bot_identifiers_scrubbed", "Identifiers removed from questions", ["kind"], registry=self.registry
        )
        self.latency = Histogram(
            "bot_answer_seconds", "Time to answer", registry=self.registry,
            buckets=(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5),
        )  # fmt: skip


class RateLimiter:
    """Token bucket per client. Client keys are hashed with a per-process secret and live only in memory."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.buckets: dict[str, tuple[float, float]] = {}
        self.secret = secrets.token_bytes(16)

    def check(self, client: str) -> float:
        """0 when allowed (and a token is spent), else the seconds to wait."""
        key = hashlib.blake2b(client.encode(), key=self.secret, digest_size=16).hexdigest()
        now = time.monotonic()
        tokens, last = self.buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self.buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        if len(self.buckets) > 100_000:
            self.buckets.clear()
        self.buckets[key] = (tokens - 1.0, now)
        return 0.0


def _error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if field:
        body["error"]["field"] = field
    return JSONResponse(status_code=status, content=body)


def parse_ask(raw: bytes, max_bytes: int) -> Question:
    """Turn a raw body into a Question, or raise InputError saying exactly what is wrong."""
    if len(raw) > max_bytes:
        raise InputError(f"request body is too large (limit {max_bytes} bytes)", field="body", status=413)
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"request body is not valid UTF-8 (byte {exc.start})", field="body", status=400) from exc
    try:
        data = json.loads(decoded)
    except RecursionError as exc:
        raise InputError("request body is nested too deeply", field="body", status=400) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"request body is not valid JSON ({exc.msg} at position {exc.pos})", field="body", status=400
        ) from exc
    if not isinstance(data, dict):
        raise InputError("request body must be a JSON object", field="body", status=400)
    if "question" not in data:
        raise InputError("missing field 'question'")
    for key in ("question", "lang", "channel", "state", "session"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(f"field '{key}' must be a string, not {type(value).__name__}", field=key)
    channel = data.get("channel") or "api"
    if channel not in CHANNELS:
        raise InputError(f"field 'channel' must be one of {', '.join(CHANNELS)}", field="channel")
    state = data.get("state")
    if state is not None and not (len(state) == 2 and state.isalpha()):
        raise InputError("field 'state' must be a two-letter state code such as CA", field="state")
    return Question(
        data["question"], lang=data.get("lang") or None, channel=channel, state=state, session=data.get("session")
    )


def create_app(settings: Settings, pipeline: Pipeline | None = None) -> FastAPI:
    """The app; pass `pipeline` to share one already built (tests, benchmarks), else it is built at start-up."""
    metrics = Metrics()
    limiter = RateLimiter(settings.rate_per_minute, settings.rate_burst)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        setup_logging()
        app.state.pipeline = pipeline or await run_in_threadpool(Pipeline.from_settings, settings)
        app.state.started = time.time()
        yield
        if pipeline is None:  # built here, so closed here; a pipeline passed in belongs to the caller
            app.state.pipeline.close()

    app = FastAPI(
        title="Taxpayer-rights explainer",
        version=__version__,
        description=(
            "Cited answers for ITIN filers about the IRS–ICE data-sharing agreement. Information, not legal advice."
        ),
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid_request", str(exc.errors()[0].get("msg", "invalid request")))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return _error(
            500, "internal_error", "something went wrong; please try again or contact a legal aid organization"
        )

    @app.post(
        "/v1/ask",
        response_model=Answer,
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": ASK_SCHEMA}}}},
        responses={400: {"description": "Malformed body"}, 413: {"description": "Body too large"},
                   422: {"description": "Invalid field"}},
    )  # fmt: skip
    async def ask(request: Request) -> Any:
        client = request.headers.get("x-api-key") or (request.client.host if request.client else "unknown")
        wait = limiter.check(client)
        if wait:
            metrics.rejected.labels("rate_limited").inc()
            response = _error(429, "rate_limited", "too many questions in a short time; please wait and try again")
            response.headers["Retry-After"] = str(max(1, round(wait)))
            return response
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
            metrics.rejected.labels("too_large").inc()
            return _error(
                413, "invalid_request", f"request body is too large (limit {settings.max_body_bytes} bytes)", "body"
            )
        raw = b""
        async for part in request.stream():
            raw += part
            if len(raw) > settings.max_body_bytes:
                break
        try:
            question = parse_ask(raw, settings.max_body_bytes)
            outcome = await run_in_threadpool(request.app.state.pipeline.run, question)
        except InputError as exc:
            metrics.rejected.labels(exc.field).inc()
            return _error(exc.status, "invalid_request", str(exc), exc.field)
        answer = outcome.answer
        metrics.answers.labels(answer.intent, answer.lang).inc()
        metrics.latency.observe(outcome.seconds)
        for kind in outcome.identifiers:
            metrics.scrubbed.labels(kind).inc()
        if outcome.card_id is None:
            metrics.no_answer.inc()
        if outcome.blocked:
            metrics.blocked.inc()
        return answer

    @app.get("/healthz")
    async def healthz(request: Request) -> Any:
        pipe: Pipeline | None = getattr(request.app.state, "pipeline", None)
        if pipe is None:
            return _error(503, "starting", "the server is still loading")
        return {
            "status": "ok",
            "as_of": pipe.pack.as_of,
            "index": pipe.retriever.collection,
            "dense": pipe.retriever.collection is not None,
            "cards": len(pipe.pack.cards.get("en", {})),
            "languages": list(pipe.pack.languages),
        }

    @app.get("/metrics")
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def serve(settings: Settings) -> None:
    """Run the server (no access log: it would record callers' addresses)."""
    import uvicorn

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, access_log=False, log_level="warning")
