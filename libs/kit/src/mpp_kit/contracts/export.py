"""Write (or check) the generated contracts: one JSON Schema per event payload and the AsyncAPI
document, both derived from the registry. ``python -m mpp_kit.contracts.export DIR [--check]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from mpp_kit.contracts import EVENT_TYPES


def rendered() -> dict[str, str]:
    """File name (relative to the contracts directory) → content."""
    files: dict[str, str] = {}
    broker = KafkaBroker("kafka:9092")
    for event_type in EVENT_TYPES:
        schema = event_type.payload.model_json_schema()
        schema["$id"] = f"urn:mpp:events:{event_type.ce_type}"
        schema["x-topic"] = event_type.topic
        schema["x-ce-type"] = event_type.ce_type
        files[f"events/{event_type.topic}.schema.json"] = _json(schema)
        broker.publisher(
            event_type.topic,
            schema=event_type.payload,
            title=event_type.ce_type,
            description=event_type.description or event_type.payload.__doc__ or "",
        )
    spec = AsyncAPI(
        broker,
        title="mpp-platform events",
        version="1.0.0",
        description="CloudEvents 1.0 in Kafka binary content mode; the value is the payload.",
        schema_version="3.0.0",
    ).to_specification()
    files["asyncapi.json"] = _json(json.loads(spec.to_json()))
    return files


def _json(document: object) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    args = parser.parse_args(argv)
    wanted = rendered()
    present = {
        str(p.relative_to(args.directory)): p.read_text()
        for p in args.directory.rglob("*.json")
    }
    if args.check:
        stale = sorted(
            name for name in set(wanted) | set(present) if wanted.get(name) != present.get(name)
        )
        if stale:
            print("contracts are stale; run `make contracts`:", *stale, sep="\n  ", file=sys.stderr)
            return 1
        print(f"contracts up to date ({len(wanted)} files)")
        return 0
    for name in set(present) - set(wanted):
        (args.directory / name).unlink()
    for name, content in wanted.items():
        path = args.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    print(f"wrote {len(wanted)} files to {args.directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
