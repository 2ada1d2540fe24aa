"""One OpenAPI document for the whole platform, merged from the gateway's and the services'.

Each service contributes its public paths (``/api/v1/<service>/...``, the ones the gateway
routes). Component names shared by several documents stay as they are when their definitions
agree; where they differ, each service's copy is renamed ``<service>.<Name>`` and its ``$ref``s
follow. Pure functions: no I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

OWN = "gateway"  # the gateway's own components keep their names
_REF_PREFIX = "#/components/"
# Referenced by name from `security` lists, not by $ref: merged, never renamed.
_BY_NAME_ONLY = frozenset({"securitySchemes"})


def public_paths(service: str, paths: Mapping[str, Any]) -> dict[str, Any]:
    """The paths the gateway forwards for ``service`` (not its /internal or ops routes)."""
    prefix = f"/api/v1/{service}"
    return {p: v for p, v in paths.items() if p == prefix or p.startswith(prefix + "/")}


def _refs(node: Any) -> set[str]:
    """Every ``#/components/...`` reference inside ``node``, as ``section/name``."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(_REF_PREFIX):
                found.add(value[len(_REF_PREFIX) :])
            else:
                found |= _refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs(item)
    return found


def _rewrite_refs(node: Any, renamed: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                _REF_PREFIX + renamed[value[len(_REF_PREFIX) :]]
                if key == "$ref"
                and isinstance(value, str)
                and value.startswith(_REF_PREFIX)
                and value[len(_REF_PREFIX) :] in renamed
                else _rewrite_refs(value, renamed)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, renamed) for item in node]
    return node


def _contested(docs: Mapping[str, dict[str, Any]]) -> set[str]:
    """``section/name`` keys whose definitions differ between documents — directly, or because
    they refer to a contested component (which will be renamed differently in each)."""
    definitions: dict[str, list[Any]] = {}
    for doc in docs.values():
        for section, items in doc.get("components", {}).items():
            if section in _BY_NAME_ONLY:
                continue
            for name, definition in items.items():
                definitions.setdefault(f"{section}/{name}", []).append(definition)
    contested = {key for key, defs in definitions.items() if any(d != defs[0] for d in defs)}
    shared = {key for key, defs in definitions.items() if len(defs) > 1}
    while True:
        spreading = {
            key for key in shared - contested if any(_refs(d) & contested for d in definitions[key])
        }
        if not spreading:
            return contested
        contested |= spreading


def merge_openapi(
    own: dict[str, Any], services: Mapping[str, dict[str, Any]], unavailable: list[str]
) -> dict[str, Any]:
    """The platform's document: ``own`` plus each service's public paths and components."""
    trimmed = {
        name: {**doc, "paths": public_paths(name, doc.get("paths", {}))}
        for name, doc in services.items()
    }
    contested = _contested({OWN: own, **trimmed})
    merged = copy.deepcopy(own)
    merged.setdefault("info", {})["x-unavailable"] = sorted(unavailable)
    paths = merged.setdefault("paths", {})
    components = merged.setdefault("components", {})
    tags = {tag["name"]: tag for tag in merged.get("tags", [])}
    for name, doc in trimmed.items():
        renamed = {
            f"{section}/{key}": f"{section}/{name}.{key}"
            for section, items in doc.get("components", {}).items()
            for key in items
            if f"{section}/{key}" in contested
        }
        doc = _rewrite_refs(doc, renamed)
        for path, operations in doc["paths"].items():
            paths.setdefault(path, operations)
        for section, items in doc.get("components", {}).items():
            target = components.setdefault(section, {})
            for key, definition in items.items():
                new_key = renamed.get(f"{section}/{key}", f"{section}/{key}").split("/", 1)[1]
                target.setdefault(new_key, definition)
        for tag in doc.get("tags", []):
            tags.setdefault(tag["name"], tag)
    if tags:
        merged["tags"] = list(tags.values())
    return merged
