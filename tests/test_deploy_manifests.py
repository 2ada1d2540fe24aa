"""Static checks of what operators deploy: there is no Docker engine or cluster here, so the
compose file and the Kubernetes manifests are validated as documents (and by docker-compose and
kustomize where the machine has them — `.ci/run` installs docker-compose)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from mpp_kit.settings import KitSettings

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["catalog", "queue", "booking", "notify", "gateway"]


def _compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def test_compose_runs_kafka_mongo_replica_set_every_service_and_prometheus():
    services = _compose()["services"]
    for name in [*SERVICES, "kafka", "mongo", "prometheus"]:
        assert name in services, name
    assert "--replSet" in " ".join(map(str, services["mongo"]["command"]))
    for name in SERVICES:
        build = services[name]["build"]
        assert build["dockerfile"] == "deploy/docker/service.Dockerfile"
        assert build["args"]["SERVICE"] == name


def test_compose_uses_only_settings_the_services_know():
    known = {f"MPP_{name.upper()}" for name in KitSettings.model_fields}
    known |= {"MPP_QUEUE_URL", "MPP_BOOKING_URL", "MPP_NOTIFY_URL", "MPP_GATEWAY_PORT"}
    for name in SERVICES:
        env = _compose()["services"][name].get("environment", {})
        unknown = {key for key in env if key.startswith("MPP_")} - known
        assert not unknown, f"{name}: {unknown}"


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
def test_docker_compose_config_is_valid():
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        env={"MPP_JWT_SECRET": "x", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def _rendered(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (kustomize) not installed")
    out = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "deploy/k8s/overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_every_deployment_is_hardened_and_probed(overlay):
    deployments = [d for d in _rendered(overlay) if d["kind"] == "Deployment"]
    assert {d["metadata"]["name"] for d in deployments} >= set(SERVICES)
    for deployment in deployments:
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert container["resources"]["requests"] and container["resources"]["limits"]


def test_production_has_disruption_budgets_autoscaling_and_network_policies():
    kinds = {(d["kind"], d["metadata"]["name"]) for d in _rendered("production")}
    for name in SERVICES:
        assert any(k == "PodDisruptionBudget" and name in n for k, n in kinds), name
        assert any(k == "HorizontalPodAutoscaler" and name in n for k, n in kinds), name
    assert any(k == "NetworkPolicy" for k, _ in kinds)
