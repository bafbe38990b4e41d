"""Thin commands: each parses its arguments, calls one library function and prints the result.

python -m bot setup                  build the embedding model (once) and ingest knowledge/
python -m bot knowledge check        validate knowledge/ (file:line: reason); exit 1 on errors
python -m bot ingest [PATH]          index PATH (default knowledge/) into Chroma, idempotently
python -m bot ask "question" [--lang xx] [--state XX] [--json]
python -m bot serve [--host H] [--port P]
python -m bot eval | bench           see evals/ and bot/bench.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bot.errors import BotError

# Nothing in this project may reach a model hub or send telemetry at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="Taxpayer-rights explainer for ITIN filers.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="build the embedding model and the index")
    k = sub.add_parser("knowledge", help="knowledge pack tools")
    k.add_argument("action", choices=["check"])
    k.add_argument("--path", type=Path, default=None, help="knowledge directory (default: the project's)")
    i = sub.add_parser("ingest", help="index the knowledge pack")
    i.add_argument("path", nargs="?", type=Path, default=None)
    a = sub.add_parser("ask", help="answer one question")
    a.add_argument("question")
    a.add_argument("--lang", default=None)
    a.add_argument("--state", default=None)
    a.add_argument("--json", action="store_true", help="print the full Answer as JSON")
    s = sub.add_parser("serve", help="start the HTTP server")
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=int, default=None)
    sub.add_parser("eval", help="run the golden-question evaluation")
    b = sub.add_parser("bench", help="measure latency, throughput, ingest time and memory")
    b.add_argument("--quick", action="store_true", help="fewer requests (for a smoke run)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    from bot.config import load_settings

    settings = load_settings()
    if args.command == "knowledge":
        return _knowledge_check(args.path or settings.knowledge_dir)
    if args.command == "setup":
        from bot.setup import setup

        setup(settings, progress=sys.stderr.isatty())
        return 0
    if args.command == "ingest":
        from bot.index import ingest_path

        report = ingest_path(settings, args.path, progress=sys.stderr.isatty())
        print(report.summary())
        return 0
    if args.command == "ask":
        from bot.pipeline import Pipeline
        from bot.types import Question

        pipeline = Pipeline.from_settings(settings)
        answer = pipeline.answer(Question(args.question, lang=args.lang, channel="cli", state=args.state))
        if args.json:
            print(json.dumps(answer.model_dump(), ensure_ascii=False, indent=2))
        else:
            from bot.compose import render_text

            print(render_text(answer))
        return 0
    if args.command == "serve":
        from bot.api import serve

        serve(settings.model_copy(update={k: v for k, v in (("host", args.host), ("port", args.port)) if v}))
        return 0
    if args.command == "eval":
        from bot.evaluate import run_eval

        return run_eval(settings)
    if args.command == "bench":
        from bot.bench import run_bench

        return run_bench(settings, quick=args.quick)
    raise AssertionError(args.command)


def _knowledge_check(root: Path) -> int:
    from bot.check import check_pack
    from bot.knowledge import load_pack

    pack = load_pack(root)
    check_pack(pack)
    for problem in pack.problems:
        print(problem)
    errors = len(pack.errors())
    cards = {lang: len(c) for lang, c in sorted(pack.cards.items())}
    print(
        f"{len(pack.sources)} sources, cards per language {cards}, {len(pack.referrals)} referrals; "
        f"{errors} errors, {len(pack.problems) - errors} warnings"
    )
    return 1 if errors else 0
