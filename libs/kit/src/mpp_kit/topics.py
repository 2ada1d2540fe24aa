"""Topic creation for the embedded broker and development; production topics belong to Strimzi."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError


def dead_letter_topic(topic: str) -> str:
    """Where a consumer parks a record it could not handle: ``<topic>.dlq``."""
    return f"{topic}.dlq"


async def ensure_topics(bootstrap_servers: str, topics: Iterable[str], partitions: int) -> None:
    """Create the topics that do not exist yet (dead-letter topics get one partition)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name, 1 if name.endswith(".dlq") else partitions, 1)
            for name in sorted(set(topics) - existing)
        ]
        if wanted:
            try:
                await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass  # another replica was faster
    finally:
        await admin.close()
