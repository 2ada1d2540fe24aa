"""Settings shared by every process, read from ``MPP_*`` environment variables.

The same names work in the embedded runner, docker-compose and Kubernetes.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KitSettings(BaseSettings):
    """What every service needs to reach the bus, the store and its callers."""

    model_config = SettingsConfigDict(env_prefix="MPP_", extra="ignore")

    service_name: str = "mpp"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_create_topics: bool = True
    kafka_partitions: int = Field(default=3, ge=1)
    # A consumer joins its group in about half this time on the embedded broker.
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1000)
    mongo_uri: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongo_db: str | None = None
    # The embedded store is fastest with few connections (8 measured best in bench/ceiling).
    mongo_max_pool_size: int = Field(default=100, ge=1)
    topic_prefix: str = ""
    timezone: str = "Asia/Jakarta"
    jwt_secret: SecretStr | None = None
    jwt_public_key_file: str | None = None
    jwt_private_key_file: str | None = None
    jwt_issuer: str = "mpp-gateway"
    capability_secret: SecretStr | None = None
    log_level: str = "INFO"
    log_json: bool = True
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    outbox_poll_seconds: float = Field(default=0.25, gt=0)
    consumer_max_attempts: int = Field(default=3, ge=1)
    catalog_url: str = "http://127.0.0.1:8101"

    @property
    def database_name(self) -> str:
        """The service's own database: ``MPP_MONGO_DB`` or, by default, its name."""
        return self.mongo_db or self.service_name

    def topic(self, base: str) -> str:
        """The physical topic name; the prefix lets tests share one broker."""
        return f"{self.topic_prefix}{base}"

    @property
    def consumer_group(self) -> str:
        """One consumer group per service, so replicas share partitions."""
        return f"{self.topic_prefix}mpp.{self.service_name}"
