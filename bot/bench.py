"""`python -m bot bench`: measure the real server on loopback, the way the helpline and widget will use it.

Full ingest into an empty data dir, a no-op re-ingest, the language detector's model (as set-up builds it), cold
start of `python -m bot serve` to a healthy /healthz, /v1/ask latency percentiles at concurrency 1, throughput at
concurrency 8, and the server's peak resident memory; then the plain LangChain RAG baseline's latency on the same
questions, with ratios. The bot is measured over HTTP (its real path), the baseline in process (it has no server), so
the ratio flatters the baseline.
Questions come from evals/golden (rotated), so the load looks like real traffic in several languages. Every loop is
bounded in count and time, and all traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil
import yaml

from bot.config import ROOT, Settings
from bot.index import ingest_path
from bot.knowledge import load_valid_pack
from bot.language import LanguageDetector

TARGETS = {
    "p50_ms": 60.0,
    "p95_ms": 150.0,
    "throughput_rps": 30.0,
    "noop_ingest_s": 5.0,
    "cold_start_s": 20.0,
    "rss_mb": 1536.0,
}


def golden_questions(limit: int = 200) -> list[str]:
    out: list[str] = []
    for path in sorted((ROOT / "evals" / "golden").glob("*.yaml")):
        out += [str(item["q"]) for item in yaml.safe_load(path.read_text(encoding="utf-8")) or [] if "q" in item]
    return out[:limit] or ["Can the IRS share my address with ICE?"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class RssSampler(threading.Thread):
    """Samples a process tree's resident memory every 50 ms; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                return
            time.sleep(0.05)


def _load(url: str, questions: list[str], n: int, concurrency: int) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    local = threading.local()

    def one(i: int) -> None:
        nonlocal errors
        if not hasattr(local, "client"):  # one keep-alive connection per load thread, as a real client would
            local.client = httpx.Client(timeout=30)
        t0 = time.perf_counter()
        r = local.client.post(url + "/v1/ask", json={"question": questions[i % len(questions)]})
        took = time.perf_counter() - t0
        with lock:
            latencies.append(took)
            errors += r.status_code != 200

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(n)))
    return latencies, time.perf_counter() - t0, errors


def run_bench(settings: Settings, quick: bool = False) -> int:
    questions = golden_questions()
    results: dict[str, Any] = {"date": dt.date.today().isoformat(), "questions": len(questions), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bot-bench-") as tmp:
        bench_settings = settings.model_copy(update={"data_dir": Path(tmp), "model_dir": settings.resolved_model_dir})
        report = ingest_path(bench_settings)
        results.update(full_ingest_s=round(report.seconds, 2), chunks=report.total)
        results["noop_ingest_s"] = round(ingest_path(bench_settings).seconds, 2)
        t0 = time.perf_counter()  # what `make run`'s set-up does next: the language detector's model
        LanguageDetector.for_pack(load_valid_pack(settings.knowledge_dir), Path(tmp))
        results["language_model_s"] = round(time.perf_counter() - t0, 2)
        port = _free_port()
        # one load generator is one client: lift the per-client limit, which would otherwise measure itself
        env = dict(os.environ, BOT_DATA_DIR=tmp, BOT_MODEL_DIR=str(settings.resolved_model_dir),
                   BOT_KNOWLEDGE_DIR=str(settings.knowledge_dir), BOT_RATE_PER_MINUTE="100000",
                   BOT_RATE_BURST="100000")  # fmt: skip
        t0 = time.perf_counter()
        server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        sampler = RssSampler(server.pid)
        sampler.start()
        url = f"http://127.0.0.1:{port}"
        try:
            results["cold_start_s"] = round(_wait_healthy(url, t0), 2)
            _load(url, questions, 10, 1)  # warm-up, not measured
            lat1, _, err1 = _load(url, questions, 40 if quick else 150, 1)
            lat8, wall8, err8 = _load(url, questions, 80 if quick else 300, 8)
        finally:
            sampler.stop.set()
            server.terminate()
            server.wait(timeout=20)
    results.update(
        p50_ms=round(statistics.median(lat1) * 1000, 1), p95_ms=round(_percentile(lat1, 0.95) * 1000, 1),
        p99_ms=round(_percentile(lat1, 0.99) * 1000, 1), c8_p50_ms=round(statistics.median(lat8) * 1000, 1),
        c8_p95_ms=round(_percentile(lat8, 0.95) * 1000, 1), throughput_rps=round(len(lat8) / wall8, 1),
        errors=err1 + err8, rss_mb=round(sampler.peak / 2**20),
    )  # fmt: skip
    results.update(_baseline(settings, questions, 40 if quick else 150, results))
    _write(results)
    return 0 if results["errors"] == 0 else 1


def _baseline(settings: Settings, questions: list[str], n: int, bot: dict[str, Any]) -> dict[str, Any]:
    """The plain LangChain RAG (bot/baseline.py) on the same questions, in process; ratios are bot / baseline."""
    from bot.baseline import PlainRAG
    from bot.knowledge import load_valid_pack

    t0 = time.perf_counter()
    rag = PlainRAG(load_valid_pack(settings.knowledge_dir), settings)
    build = time.perf_counter() - t0
    rag.ask(questions[0])
    lat = [rag.ask(questions[i % len(questions)]).seconds for i in range(n)]
    p50, p95 = statistics.median(lat) * 1000, _percentile(lat, 0.95) * 1000
    return {
        "baseline_build_s": round(build, 2), "baseline_p50_ms": round(p50, 1), "baseline_p95_ms": round(p95, 1),
        "p50_ratio_bot_over_baseline": round(bot["p50_ms"] / p50, 2),
        "p95_ratio_bot_over_baseline": round(bot["p95_ms"] / p95, 2),
    }  # fmt: skip


def _wait_healthy(url: str, t0: float, limit: float = 120.0) -> float:
    while time.perf_counter() - t0 < limit:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not healthy after {limit:.0f}s")


def _write(results: dict[str, Any]) -> None:
    def verdict(key: str) -> str:
        limit = TARGETS[key]
        ok = results[key] >= limit if key == "throughput_rps" else results[key] <= limit
        return ("meets" if ok else "MISSES") + f" target {limit:g}"

    rows = [f"| {k} | {results[k]} | {verdict(k) if k in TARGETS else ''} |" for k in results]
    text = "\n".join(
        [f"# Benchmark {results['date']}", "", "| measure | value | target |", "| --- | --- | --- |", *rows, ""]
    )
    out = ROOT / "evals" / "reports"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"bench-{results['date']}.md").write_text(text, encoding="utf-8")
    (out / f"bench-{results['date']}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(text)
