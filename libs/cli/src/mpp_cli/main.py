"""The ``mpp`` command: ``mpp up`` starts everything; ``mpp user add`` creates a staff user."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from mpp_cli import demo_seed
from mpp_cli.platform import (
    Platform,
    PlatformConfig,
    StartupError,
    installed_services,
    stop_signals_raise_keyboard_interrupt,
    tail,
)


def up(args: argparse.Namespace) -> int:
    config = PlatformConfig.from_env(kafka=args.kafka, mongo=args.mongo)
    platform = Platform(config)
    started = time.monotonic()
    try:
        platform.check_can_start()
    except StartupError as exc:
        print(f"mpp: {exc}", file=sys.stderr)
        return 1
    with stop_signals_raise_keyboard_interrupt():
        try:
            platform.prepare()
            print(
                f"mpp: starting (data in {config.data_dir}, logs in {config.log_dir})", flush=True
            )
            platform.start_infrastructure()
            asyncio.run(platform.create_topics())
            asyncio.run(platform.start_services())
            summary = asyncio.run(
                demo_seed.seed(
                    config.url("gateway"),
                    config.mongo,
                    platform.demo_password,
                    installed_services(),
                )
            )
            _print_welcome(platform, summary, time.monotonic() - started)
            while (dead := platform.dead_process()) is None:
                time.sleep(0.5)
            print(f"mpp: {dead.name} stopped unexpectedly.\n{tail(dead)}", file=sys.stderr)
            return 1
        except StartupError as exc:
            print(f"mpp: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\nmpp: stopping…", flush=True)
            return 0
        finally:
            platform.stop()
            print("mpp: stopped", flush=True)


def _print_welcome(platform: Platform, summary: demo_seed.DemoSummary, seconds: float) -> None:
    config = platform.config
    gateway = config.url("gateway")
    lines = [
        "",
        f"mpp-platform is ready in {seconds:.1f} s — DEMO DATA, not for real citizens.",
        "",
        f"  Gateway (everything public)   {gateway}",
        f"  API documentation (OpenAPI)   {gateway}/docs",
        f"  Event contracts (AsyncAPI)    {gateway}/asyncapi.json",
    ]
    lines += [
        f"  {name:<29} {config.url(name)}  (direct, for debugging)" for name in installed_services()
    ]
    lines += [
        f"  Kafka bootstrap               {config.bootstrap}",
        f"  MongoDB                       {config.mongo}",
        "",
        f"Staff logins (password for all: {platform.demo_password}):",
    ]
    lines += [f"  {username:<28} {role}" for username, role in summary.logins[:1]]
    if len(summary.logins) > 1:
        agencies = sorted({u.split(".")[0] for u, _ in summary.logins[1:]})
        lines.append(
            f"  <agency>.admin / <agency>.officer1 / <agency>.officer2 for: {', '.join(agencies)}"
        )
    lines += summary.notes
    lines += ["", "Press Ctrl-C to stop.", ""]
    print("\n".join(lines), flush=True)


def user_add(args: argparse.Namespace) -> int:
    from mpp_gateway.users import main as users_main

    return int(users_main(["add", *args.rest]) or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mpp", description="mpp-platform on one machine")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start the whole platform with demo data")
    start.add_argument(
        "--kafka", metavar="HOST:PORT", help="use this Kafka instead of the embedded broker"
    )
    start.add_argument(
        "--mongo", metavar="URI", help="use this MongoDB instead of the embedded store"
    )
    start.set_defaults(run=up)
    user = commands.add_parser("user", help="manage staff users")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add", help="create a staff user (e.g. the first mpp_admin)")
    add.add_argument("rest", nargs=argparse.REMAINDER)
    add.set_defaults(run=user_add)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
