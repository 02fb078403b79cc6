"""Command line: `python -m procurement.optimizer purchase|distribute FILE.json` → a JSON plan.

Bad input (unreadable file, invalid JSON, unknown ids, negative numbers, missing fields) is
reported on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from procurement.optimizer.distribute import plan_distribution, plan_to_dict
from procurement.optimizer.parse import InstanceError, parse_purchase
from procurement.optimizer.parse_distribute import parse_distribution
from procurement.optimizer.sharing import plan_purchase


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m procurement.optimizer")
    commands = parser.add_subparsers(dest="command", required=True)
    purchase = commands.add_parser("purchase", help="joint purchase plan from an instance file")
    purchase.add_argument("file", help="the instance as JSON ('-' reads stdin)")
    purchase.add_argument("--time-limit", type=float, default=300.0, help="seconds (300)")
    purchase.add_argument("--gap", type=float, default=1e-4, help="relative MIP gap (0.0001)")
    purchase.add_argument("--solver", choices=("highs", "cbc"), default=None)
    purchase.add_argument("--no-shapley", action="store_true", help="skip the Shapley split")
    distribute = commands.add_parser("distribute", help="transfers between depots")
    distribute.add_argument("file", help="the instance as JSON ('-' reads stdin)")
    distribute.add_argument("--time-limit", type=float, default=120.0, help="seconds (120)")
    distribute.add_argument("--gap", type=float, default=1e-4, help="relative gap (0.0001)")
    distribute.add_argument("--solver", choices=("highs", "cbc"), default=None)
    return parser.parse_args(argv)


def _read(path: str):
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InstanceError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InstanceError(f"{path} is not UTF-8 text") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstanceError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})") from exc


def main(argv=None) -> int:
    args = _arguments(argv)
    try:
        if args.time_limit <= 0 or not 0 <= args.gap < 1:
            raise InstanceError("--time-limit must be positive and --gap in [0, 1)")
        parse = parse_purchase if args.command == "purchase" else parse_distribution
        instance = parse(_read(args.file))
    except InstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "distribute":
        found = plan_to_dict(
            plan_distribution(
                instance, time_limit=args.time_limit, gap=args.gap, solver=args.solver
            )
        )
    else:
        found = asdict(
            plan_purchase(
                instance,
                time_limit=args.time_limit,
                gap=args.gap,
                solver=args.solver,
                with_shapley=not args.no_shapley,
            )
        )
    json.dump(found, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
