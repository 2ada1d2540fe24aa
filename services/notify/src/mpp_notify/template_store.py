"""Template overrides in notify's database: per agency, MPP-wide, else the packaged default."""

from __future__ import annotations

from typing import Any

from mpp_kit.clock import utcnow
from mpp_kit.mongo import Database, Document, Session
from mpp_notify.default_templates import DEFAULTS
from mpp_notify.message_templates import PARTS, MessageTemplate
from mpp_notify.recently_read import RecentlyRead
from mpp_notify.store import TEMPLATES

MPP_WIDE = "*"  # the agency key of an override for every agency


def override_id(name: str, agency_id: str | None) -> str:
    return f"{name}:{agency_id or MPP_WIDE}"


class TemplateStore:
    def __init__(self, db: Database, kept_seconds: float = 5.0) -> None:
        self._overrides = db[TEMPLATES]
        self._recent = RecentlyRead(kept_seconds)

    async def resolve(
        self, name: str, agency_id: str | None, session: Session | None = None
    ) -> tuple[MessageTemplate, str]:
        """The template to use and where it came from (``agency``, ``mpp`` or ``default``).

        Other replicas see a changed override within ``kept_seconds``."""
        found = await self._recent.get((name, agency_id), lambda: self._resolve(name, agency_id))
        assert found is not None
        return found

    async def _resolve(self, name: str, agency_id: str | None) -> tuple[MessageTemplate, str]:
        wanted = [override_id(name, agency_id)] if agency_id else []
        wanted.append(override_id(name, None))
        found = {d["_id"]: d async for d in self._overrides.find({"_id": {"$in": wanted}})}
        for key, origin in zip(wanted, ("agency", "mpp") if agency_id else ("mpp",), strict=True):
            if key in found:
                return _template(found[key]), origin
        return DEFAULTS[name], "default"

    async def put(
        self, name: str, agency_id: str | None, template: MessageTemplate, by: str
    ) -> Document:
        doc: Document = {
            "_id": override_id(name, agency_id),
            "name": name,
            "agency_id": agency_id,
            **{part: template.part(part) for part in PARTS},
            "updated_at": utcnow(),
            "updated_by": by,
        }
        await self._overrides.replace_one({"_id": doc["_id"]}, doc, upsert=True)
        self._recent.forget()
        return doc

    async def delete(self, name: str, agency_id: str | None) -> bool:
        result = await self._overrides.delete_one({"_id": override_id(name, agency_id)})
        self._recent.forget()
        return result.deleted_count == 1

    async def overrides(self, agency_id: str | None) -> list[Document]:
        """MPP-wide overrides, plus one agency's (or every agency's for ``None``)."""
        query: dict[str, Any] = {}
        if agency_id is not None:
            query = {"agency_id": {"$in": [None, agency_id]}}
        return await self._overrides.find(query).sort("_id", 1).to_list()


def _template(doc: Document) -> MessageTemplate:
    return MessageTemplate(**{part: doc[part] for part in PARTS})
