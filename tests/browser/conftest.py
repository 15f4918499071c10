"""The app under gunicorn as `make run` serves it, and Debian's chromium driven by Playwright.

Playwright's own browser download cannot work on these machines, so the browser is the system's
``/usr/bin/chromium`` (``make test`` installs it). A missing browser fails the tests: no skip.
Screenshots of every page go to ``$ARTIFACTS_DIR`` (default ``tests/browser/artifacts/``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import _free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", ROOT / "tests" / "browser" / "artifacts"))


@pytest.fixture(scope="session")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment the server runs in, for a test that runs a command beside it (e.g. the timer worker)."""
    instance = tmp_path_factory.mktemp("browser-instance")
    return {**os.environ, "INSTANCE_DIR": str(instance), "DATABASE_URL": f"sqlite:///{instance / 'app.sqlite3'}",
            "DEMO_USERS": "1",
            # every step signs in again: a cheap hash keeps scrypt's deliberate cost (~0.1-1 s a login) out of the run
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


@pytest.fixture(scope="session")
def server(server_env: dict[str, str]) -> Iterator[str]:
    env = server_env
    bin_dir = Path(sys.executable).parent
    setup = subprocess.run([str(bin_dir / "flask"), "--app", "app", "setup"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=180)
    assert setup.returncode == 0, setup.stderr
    port = _free_port()
    # gunicorn.conf.py, as `make run`: threaded workers with keep-alive; JSON log lines to a file (a full pipe would
    # stop the workers)
    log = (Path(env["INSTANCE_DIR"]) / "gunicorn.log").open("wb")
    proc = subprocess.Popen([str(bin_dir / "gunicorn"), "--config", "gunicorn.conf.py", "--workers", "2",
                             "--bind", f"127.0.0.1:{port}", "app:create_app()"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=10)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium package"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        shot(opened, f"failed-{request.node.name}")
    context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so a failed test leaves a screenshot of where it stopped."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def shot(page: Page, name: str, full_page: bool = True, height: int | None = None) -> Path:
    """Save a screenshot as a test artifact; ``height`` keeps only the top of the page."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if height is not None:
        width = page.viewport_size["width"] if page.viewport_size else 1366
        page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
    else:
        page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page: Page, base: str, user: str, password: str = "demo") -> None:
    page.goto("about:blank")  # nothing of the previous user's page is still loading
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/inbox")


_SET_VALUES = """(pairs) => {
  for (const [name, value] of pairs) {
    const fields = document.getElementsByName(name);
    if (!fields.length) { throw new Error("no field named " + name); }
    const first = fields[0];
    if (first.type === "radio") {
      for (const radio of fields) { radio.checked = radio.value === String(value); }
    } else if (first.type === "checkbox") {
      first.checked = value === true;
    } else {
      first.value = String(value);
    }
    first.dispatchEvent(new Event("change", { bubbles: true }));
  }
}"""


def fill(page: Page, data: dict[str, Any]) -> None:
    """Put a form's JSON into the rendered form: list rows are added with «Thêm» as a person would,
    then every value is set in one call (typing field by field is slow on a 2-core machine).

    Waits for the form's first field, so a fill right after a click that navigates does not run on the
    page being left (seen once in CI on a loaded host)."""
    if data:
        top = next(iter(data))
        page.locator(f'[name="{top}"], [name^="{top}."], [data-array="{top}"]').first.wait_for(state="attached")
    _add_rows(page, data, "")
    page.evaluate(_SET_VALUES, list(_leaves(data, "")))


def _add_rows(page: Page, value: Any, name: str) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _add_rows(page, sub, f"{name}.{key}" if name else key)
    elif isinstance(value, list):
        array = page.locator(f'fieldset[data-array="{name}"]')
        present = array.locator(":scope > [data-items] > [data-item]").count()
        for index, item in enumerate(value):
            if index >= present:
                array.locator(":scope > [data-add]").click()
            _add_rows(page, item, f"{name}.{index}")


def _leaves(value: Any, name: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _leaves(sub, f"{name}.{key}" if name else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{name}.{index}")
    else:
        yield name, value
