"""The site in a real browser: headless Chromium (Debian's) driven by Selenium.

The real app runs on uvicorn on 127.0.0.1 over the demo store (built by ``run_demo``).
A reader rates the demo review, searches and pages through the results, and opens the
tag index; an editor logs in, edits a heading and
publishes, and the reader's page shows it. Every page is checked for JavaScript console
errors and for requests to any host but 127.0.0.1. Screenshots go to the test's tmp dir
and to ``$MIDWEEK_ARTIFACTS`` when set. Chromium missing is a failure, not a skip: CI
installs ``chromium`` and ``chromium-driver``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

from midweek.store import Store
from midweek.store.users import add_user
from web.sitehelpers import NOW, SLUG, make_app, set_status

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1200,1600",
)
# Seconds to wait for the server to start and for a page to settle.
STARTUP_TIMEOUT_S = 15.0
PAGE_TIMEOUT_S = 20.0
USER = "editor-one"
PASSWORD = "a long enough passphrase"
# A word the demo week (Wikinews, 5–11 January 2020) holds in a story: Qasem Soleimani.
SEARCH_WORD = "Soleimani"
# A word most of the demo's articles hold (210 of 291): several pages of results.
COMMON_WORD = "said"

# data: URLs carry their bytes inline (no host); Chromium loads a 1x1 GIF so itself.
_BROWSER_SCHEMES = ("chrome", "about", "devtools", "data")

pytestmark = pytest.mark.slow


@pytest.fixture
def server(demo_store: Store) -> Iterator[str]:
    """The real app on uvicorn in a thread, on a free port of 127.0.0.1; yields its root."""
    add_user(demo_store, USER, PASSWORD, now=NOW)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the kernel picks a free port; no race to find one
    port = sock.getsockname()[1]
    config = uvicorn.Config(make_app(demo_store), log_level="warning", server_header=False)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=STARTUP_TIMEOUT_S)
    sock.close()


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Headless Chromium with console and network logs; fails when it is not installed."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.fail(
            f"real-browser tests need {CHROMIUM} and {CHROMEDRIVER}: "
            "apt-get install chromium chromium-driver"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "1")  # Selenium Manager must never download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(PAGE_TIMEOUT_S)
    driver.implicitly_wait(2)
    driver.get_log("performance")  # drop the start-up tab's entries
    try:
        yield driver
    finally:
        driver.quit()


def _shot(driver: Any, tmp_path: Path, name: str) -> None:
    """Save a PNG screenshot here and, when set, under $MIDWEEK_ARTIFACTS."""
    path = tmp_path / f"{name}.png"
    assert driver.save_screenshot(str(path)), f"screenshot {name} failed"
    artifacts = os.environ.get("MIDWEEK_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(artifacts) / path.name)


def _submit(driver: Any, element: Any) -> None:
    """Click a submit button or a link (or submit a form field) and wait for the next page."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    if element.tag_name in {"button", "a"}:
        element.click()
    else:
        element.submit()
    # Mid-navigation chromedriver can answer a query on the old node with a generic
    # "Node ... does not belong to the document" error instead of a stale-element one;
    # that means "not finished yet", so the wait retries it rather than failing.
    WebDriverWait(driver, PAGE_TIMEOUT_S, ignored_exceptions=(WebDriverException,)).until(
        expected_conditions.staleness_of(page)
    )
    WebDriverWait(driver, PAGE_TIMEOUT_S).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _check_logs(driver: Any) -> list[str]:
    """Fail on console errors or on any request to a host but 127.0.0.1; return the URLs."""
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors, f"JavaScript console errors: {errors}"
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    # chrome:// and about: are the browser's own pages (the first tab), not the site's
    foreign = [
        u
        for u in urls
        if urlsplit(u).scheme not in _BROWSER_SCHEMES and urlsplit(u).hostname != "127.0.0.1"
    ]
    assert not foreign, f"requests to other hosts: {foreign}"
    return urls


def test_reader_rates_the_review_and_searches(server: str, browser: Any, tmp_path: Path) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(f"{server}/reviews/{SLUG}")
    summary = browser.find_element(By.CSS_SELECTOR, "#rating .summary").text
    assert summary == "no ratings yet"
    _shot(browser, tmp_path, "review-before-rating")
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, '#rating button[value="4"]').click()
    # the page's script votes by fetch and swaps the rating block in: no navigation (an
    # element read while the block is being replaced is stale: read it again)
    WebDriverWait(
        browser, PAGE_TIMEOUT_S, ignored_exceptions=(StaleElementReferenceException,)
    ).until(lambda d: d.find_element(By.CSS_SELECTOR, "#rating .summary").text == "4.0 · 1 rating")
    assert browser.find_element(By.TAG_NAME, "html") == page  # the same document
    assert browser.find_element(By.CSS_SELECTOR, "#rating .mine").text == "Your rating: 4 of 5"
    pressed = browser.find_element(By.CSS_SELECTOR, '#rating button[aria-pressed="true"]')
    assert pressed.get_attribute("value") == "4"
    _shot(browser, tmp_path, "review-after-rating")
    urls = _check_logs(browser)
    assert any(u.endswith("/static/site.css") for u in urls)  # the log does see requests
    assert any(u.endswith("/static/rating.js") for u in urls)

    tag = browser.find_element(By.CSS_SELECTOR, '.tags a[rel="tag"]')
    tag_name = tag.text
    _submit(browser, tag)  # follows the link: the next page replaces this one
    assert urlsplit(browser.current_url).path.startswith("/tags/")
    assert browser.find_element(By.TAG_NAME, "h1").text == tag_name
    listed = [
        a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "ul.reviews a")
    ]
    assert any(urlsplit(h).path == f"/reviews/{SLUG}" for h in listed if h)
    _shot(browser, tmp_path, "tag")
    assert any(u.endswith("/static/favicon.svg") for u in urls)  # the page's own icon

    box = browser.find_element(By.ID, "q")
    box.send_keys(SEARCH_WORD)
    _submit(browser, box)
    results = browser.find_elements(By.CSS_SELECTOR, "main li")
    assert (
        results
        and SEARCH_WORD.casefold() in browser.find_element(By.TAG_NAME, "main").text.casefold()
    )
    assert "/search?q=" + SEARCH_WORD in browser.current_url
    _shot(browser, tmp_path, "search")
    _check_logs(browser)


def test_reader_pages_through_search_and_opens_the_tag_index(
    server: str, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/")
    box = browser.find_element(By.ID, "q")
    box.send_keys(COMMON_WORD)
    _submit(browser, box)
    count = browser.find_element(By.CSS_SELECTOR, "main p.count").text
    assert count.endswith(" results") and int(count.split()[0]) > 30
    first = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.results > li")]
    assert len(first) == 30
    marks = browser.find_elements(By.CSS_SELECTOR, "ol.results mark")
    assert marks and all(m.text.casefold() == COMMON_WORD for m in marks)
    _shot(browser, tmp_path, "search-page-1")
    _submit(browser, browser.find_element(By.CSS_SELECTOR, 'nav.pager a[rel="next"]'))
    assert "page=2" in browser.current_url
    second = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.results > li")]
    assert second and not set(second) & set(first)  # the next page, not the first again
    assert browser.find_element(By.CSS_SELECTOR, "ol.results").get_attribute("start") == "31"
    _shot(browser, tmp_path, "search-page-2")
    _submit(browser, browser.find_element(By.CSS_SELECTOR, 'nav.pager a[rel="prev"]'))
    again = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.results > li")]
    assert again == first
    # a result in a story leads to our story page (the outlet's page is the second link)
    browser.get(f"{server}/search?q={SEARCH_WORD}")
    top = browser.find_element(By.CSS_SELECTOR, "ol.results > li > a")
    assert urlsplit(top.get_attribute("href")).path.startswith("/stories/")
    _submit(browser, top)
    assert urlsplit(browser.current_url).path.startswith("/stories/")
    _check_logs(browser)

    _submit(browser, browser.find_element(By.CSS_SELECTOR, 'header.site nav a[href="/tags"]'))
    assert urlsplit(browser.current_url).path == "/tags"
    tags = browser.find_elements(By.CSS_SELECTOR, 'ul.tag-index a[rel="tag"]')
    assert tags
    name = tags[0].text
    _shot(browser, tmp_path, "tag-index")
    _submit(browser, tags[0])
    assert urlsplit(browser.current_url).path.startswith("/tags/")
    assert browser.find_element(By.TAG_NAME, "h1").text == name
    _check_logs(browser)


def test_editor_edits_a_heading_and_publishes(
    server: str, browser: Any, tmp_path: Path, demo_store: Store
) -> None:
    from selenium.webdriver.common.by import By

    set_status(demo_store, SLUG, "draft")  # the demo published it; the desk edits drafts

    new_heading = "Prizes, courts and a diplomat: the editor's heading"
    browser.get(f"{server}/editor/")  # anonymous: sent to the login page
    assert urlsplit(browser.current_url).path == "/editor/login"
    browser.find_element(By.ID, "name").send_keys(USER)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    _shot(browser, tmp_path, "editor-login")
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit]"))
    assert urlsplit(browser.current_url).path == "/editor/"
    cookie = browser.get_cookie("mw_editor")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    _shot(browser, tmp_path, "editor-desk")

    link = browser.find_element(By.CSS_SELECTOR, "table.desk td a")
    browser.get(link.get_attribute("href"))
    heading = browser.find_element(By.ID, "heading-0")
    heading.clear()
    heading.send_keys(new_heading)
    _submit(browser, browser.find_element(By.CSS_SELECTOR, 'form.edit button[value="save"]'))
    assert browser.find_element(By.ID, "heading-0").get_attribute("value") == new_heading
    _shot(browser, tmp_path, "editor-edited")
    _submit(browser, browser.find_element(By.CSS_SELECTOR, 'button[name="publish"]'))
    assert browser.find_elements(By.CSS_SELECTOR, 'button[name="unpublish"]')
    _check_logs(browser)

    browser.get(f"{server}/reviews/{SLUG}")
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "article.review h2")]
    assert headings[0] == new_heading
    article = browser.find_element(By.CSS_SELECTOR, "article.review")
    assert article.get_attribute("data-status") == "published"
    _shot(browser, tmp_path, "reader-sees-published")
    _check_logs(browser)
