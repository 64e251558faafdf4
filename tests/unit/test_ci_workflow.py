"""The CI/CD workflow: valid for GitHub (checked with check-jsonschema against GitHub's workflow schema, which it
ships), the test job runs .ci/run (the README's `make test`) on every push and pull request, and a version tag
builds and publishes both images with credentials from repository secrets. The workflow is read, never run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
LINTER = Path(sys.executable).with_name("check-jsonschema")


def _lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINTER), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_workflow_passes_the_linter() -> None:
    result = _lint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_linter_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: 42\n")
    assert _lint(broken).returncode != 0


def test_every_push_and_pull_request_runs_the_readme_test_command(workflow: dict[Any, Any]) -> None:
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert "push" in triggers
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["**"]
    steps = workflow["jobs"]["test"]["steps"]
    commands = [step.get("run", "") for step in steps]
    assert any(command.split()[-1] == ".ci/run" for command in commands if command), commands
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci_run.strip().splitlines()[-1] == "make test"
    assert "make test" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_a_version_tag_publishes_both_images_after_the_tests(workflow: dict[Any, Any]) -> None:
    assert workflow[True]["push"]["tags"] == ["v*"]
    release = workflow["jobs"]["release"]
    assert release["needs"] == "test"
    assert release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert sorted(release["strategy"]["matrix"]["image"]) == ["api", "judge"]
    assert all((ROOT / f"Dockerfile.{image}").is_file() for image in release["strategy"]["matrix"]["image"])
    steps = {step.get("uses", "").split("@")[0]: step for step in release["steps"]}
    login = steps["docker/login-action"]["with"]
    assert login["username"] == "${{ secrets.REGISTRY_USERNAME }}"
    assert login["password"] == "${{ secrets.REGISTRY_PASSWORD }}"
    build = steps["docker/build-push-action"]["with"]
    assert build["file"] == "Dockerfile.${{ matrix.image }}"
    assert build["push"] is True
    assert "vars.REGISTRY" in release["env"]["REGISTRY"]
