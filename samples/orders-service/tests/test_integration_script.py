"""Runs integration/run_integration.py as the pipeline would, as a subprocess."""

import os
import socket
import subprocess
import sys

import pytest


def run_script(project_root, **env_overrides):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SERVICE_URL", "TEST_URL", "INTEGRATION_RETRIES", "INTEGRATION_BACKOFF", "INTEGRATION_TIMEOUT")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, os.path.join(project_root, "integration", "run_integration.py")],
        env=env, capture_output=True, text=True, timeout=60,
    )


def closed_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens here once the socket closes


def test_succeeds_against_running_server(project_root, live_server):
    result = run_script(project_root, SERVICE_URL=live_server.url + "/", INTEGRATION_RETRIES="1")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for check in ("health", "version", "create", "read-back", "list", "validation", "not-found"):
        assert any(line.startswith("PASS {0}:".format(check)) for line in lines), result.stdout
    assert lines[-1] == "RESULT: PASS (7/7 checks passed)"
    # The order the script created is really on the server.
    assert [o["item"] for o in live_server.app.store.list()] == ["integration-test-widget"]


def test_tests_the_new_tasks_through_test_url_when_it_is_set(project_root, live_server):
    # During the deployment SERVICE_URL still reaches the old tasks (here: nothing); the
    # traffic gate's TEST_URL reaches the new ones.
    result = run_script(
        project_root,
        TEST_URL=live_server.url,
        SERVICE_URL="http://127.0.0.1:{0}".format(closed_port()),
        INTEGRATION_RETRIES="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "RESULT: PASS (7/7 checks passed)"


def test_fails_with_exit_1_when_nothing_listens(project_root):
    result = run_script(
        project_root,
        SERVICE_URL="http://127.0.0.1:{0}".format(closed_port()),
        INTEGRATION_RETRIES="2",
        INTEGRATION_BACKOFF="0",
        INTEGRATION_TIMEOUT="2",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "RETRY GET /health: attempt 1/2" in result.stdout
    assert "FAIL health:" in result.stdout
    assert "SKIP create:" in result.stdout
    assert result.stdout.splitlines()[-1] == "RESULT: FAIL (0/7 checks passed)"


def test_fails_with_exit_1_when_service_misbehaves(project_root, live_server):
    live_server.app.version = ""  # /version then answers without a version
    result = run_script(project_root, SERVICE_URL=live_server.url, INTEGRATION_RETRIES="1")
    assert result.returncode == 1
    assert "PASS health:" in result.stdout
    assert "FAIL version:" in result.stdout


def test_missing_service_url_exits_2(project_root):
    result = run_script(project_root)
    assert result.returncode == 2
    assert "SERVICE_URL" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "env",
    [
        {"SERVICE_URL": "ftp://example.com"},
        {"SERVICE_URL": "file:///etc/passwd"},
        {"SERVICE_URL": "example.com"},
        {"SERVICE_URL": "http://127.0.0.1:1", "INTEGRATION_RETRIES": "zero"},
        {"SERVICE_URL": "http://127.0.0.1:1", "INTEGRATION_RETRIES": "0"},
        {"SERVICE_URL": "http://127.0.0.1:1", "INTEGRATION_BACKOFF": "-1"},
    ],
)
def test_bad_configuration_exits_2(project_root, env):
    result = run_script(project_root, **env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: ")
