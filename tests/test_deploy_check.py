"""``check --deploy`` is clean in the documented production environment (docs/deploy.md): HSTS, the
HTTPS redirect and secure cookies all come from the environment, so the check runs in a fresh
process with exactly that environment."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ["-m", "minesafe", "manage", "check", "--deploy", "--fail-level", "WARNING"]


def production_environment() -> dict[str, str]:
    """The variables of the ``# production environment`` block of docs/deploy.md, with its
    ``<placeholders>`` filled in."""
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n# production environment\n(.*?)```", text, re.S)
    assert block, "docs/deploy.md has no production environment block"
    env = dict(line.split("=", 1) for line in block.group(1).splitlines() if line)
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return {name: re.sub(r"<[^>]*>", "placeholder", value) for name, value in env.items()}


def check_deploy(env: dict[str, str], var_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *COMMAND],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "MINESAFE_VAR_DIR": str(var_dir), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_the_documented_production_environment(tmp_path: Path) -> None:
    env = production_environment()
    assert {"SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_COOKIES"} <= env.keys()
    done = check_deploy(env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_fails_without_the_https_variables(tmp_path: Path) -> None:
    env = production_environment()
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_COOKIES"):
        del env[name]
    done = check_deploy(env, tmp_path)
    assert done.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in done.stderr
