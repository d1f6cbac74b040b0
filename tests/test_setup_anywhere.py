"""`make run` and `make test` from a checkout the postgres user cannot reach.

As root, a clone under /root (mode 700, the usual place in a container) used to fail in initdb
with "Permission denied". Here the project is cloned under a 700 folder (pytest's own temporary
folder is one) and its scripts set up for real: `make run` serves pages with its worker, beat
and SMTP sink under supervisord (a killed worker is restarted, the rest stays up), and
`make test` runs a test file. Both on ports of their own, beside this test run's services.
"""

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("setup_scripts")


@pytest.fixture
def locked_clone(tmp_path):
    """A clone of this checkout (its committed files plus the working tree's scripts) inside a
    folder only its owner may enter, sharing this checkout's virtualenv."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    clone = locked / "crm"
    subprocess.run(["git", "clone", "--quiet", "--shared", str(ROOT), str(clone)], check=True)
    for name in ("scripts", "Makefile", "gunicorn.conf.py", "requirements.txt"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, clone / name, dirs_exist_ok=True)
        else:
            shutil.copy2(source, clone / name)
    (clone / ".venv").symlink_to(ROOT / ".venv")
    yield clone
    shutil.rmtree(locked, ignore_errors=True)


def clean_env(**extra) -> dict:
    """The environment a person has in a shell: none of this test run's settings."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TERM", "CRM_PG_HOME")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(extra)
    return env


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except OSError:
        return None


def wait_for(predicate, timeout: float, what: str, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"make run stopped (exit {process.returncode}) before {what}")
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def supervisor(clone: Path, *args: str) -> str:
    result = subprocess.run(
        [str(clone / ".venv/bin/supervisorctl"), "-c", str(clone / ".run/supervisord.conf"), *args],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return result.stdout


def test_make_run_from_an_unreachable_folder_survives_a_worker_death(locked_clone):
    web, pg, redis, smtp = free_port(), free_port(), free_port(), free_port()
    env = clean_env(
        CRM_WEB_PORT=str(web),
        CRM_PG_PORT=str(pg),
        CRM_REDIS_PORT=str(redis),
        CRM_SMTP_PORT=str(smtp),
        CRM_DEMO_DATA="0",
    )
    log = locked_clone.parent / "run.log"
    with log.open("w") as out:
        run = subprocess.Popen(
            ["make", "run"],
            cwd=locked_clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        try:
            page = f"http://127.0.0.1:{web}/login/"
            wait_for(lambda: http_status(page) == 200, 300, "the login page", run)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{log.read_text()[-4000:]}") from None
        wait_for(lambda: "CRM is running" in log.read_text(), 30, "the banner")
        if os.geteuid() == 0:  # the cluster was moved where the postgres user can reach it
            assert list((locked_clone / ".run").glob("pg.location"))
        worker_running = lambda: "RUNNING" in supervisor(locked_clone, "status", "worker")  # noqa: E731
        wait_for(worker_running, 60, "the worker")
        worker_pid = int(supervisor(locked_clone, "pid", "worker").strip())

        os.killpg(os.getpgid(worker_pid), signal.SIGKILL)  # the worker dies, children and all

        def restarted():
            status = supervisor(locked_clone, "status", "worker")
            pid = supervisor(locked_clone, "pid", "worker").strip()
            return "RUNNING" in status and pid.isdigit() and int(pid) != worker_pid

        wait_for(restarted, 60, "the worker to be restarted")
        assert http_status(f"http://127.0.0.1:{web}/login/") == 200  # the web server stayed up
        assert "RUNNING" in supervisor(locked_clone, "status", "beat")
        assert "exited: worker" in log.read_text()  # and the terminal says what died
    finally:
        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            raise
    assert http_status(f"http://127.0.0.1:{web}/login/") is None  # everything stopped
    assert "Stopped" in log.read_text()


def test_make_test_from_an_unreachable_folder(locked_clone):
    env = clean_env(
        CRM_TEST_PG_PORT=str(free_port()),
        CRM_TEST_REDIS_PORT=str(free_port()),
        TEST_ONLY_PYTEST="1",
        PYTEST_WORKERS="1",
    )
    result = subprocess.run(
        ["bash", "scripts/test.sh", "tests/test_smoke.py", "-q"],
        cwd=locked_clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "passed" in output
    assert "Permission denied" not in output
