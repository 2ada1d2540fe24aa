"""``python -m bench``: run every benchmark module in turn (each writes its own results file)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

SKIP = {"harness", "__main__"}


def main() -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name not in SKIP
    )
    failed = []
    for name in names:
        module = importlib.util.find_spec(f"bench.{name}")
        if module is None:
            continue
        # Each benchmark in its own process, so one's load does not colour the next.
        if subprocess.call([sys.executable, "-m", f"bench.{name}"]) != 0:
            failed.append(name)
    if failed:
        print("failed:", ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
