"""The editor's desk: guarded routes, logins and throttling, edits, publishing, audit, diff."""

from __future__ import annotations

import html as htmlmod
import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
import typer
from argon2 import PasswordHasher
from fastapi.routing import iter_route_contexts
from sqlalchemy import inspect
from typer.testing import CliRunner

from midweek.errors import ConfigError, StoreError
from midweek.models import Article
from midweek.render.jsonout import review_from_dict, review_to_dict
from midweek.store import ArticleRow, Store, desk, open_store, users
from midweek.store.users import LOGIN_FREE_ATTEMPTS, LoginPolicy, add_user, authenticate
from web.sitehelpers import NOW, SLUG, Client, make_app, set_status

USER = "dilnoza"
PASSWORD = "correct horse battery"
LOGIN = "/editor/login"
# Routes under /editor that an anonymous visitor may use: the login form and its POST.
PUBLIC_EDITOR_ROUTES = {("/editor/login", "GET"), ("/editor/login", "POST")}


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its cheapest: the tests check the flow, not the cost (~200 ms a hash)."""
    monkeypatch.setattr(users, "PASSWORD_HASHER", PasswordHasher(1, 8, 1))
    users._dummy_hash.cache_clear()


@pytest.fixture
def editor_store(demo_store: Store) -> Store:
    """The demo store with one editor account, its review taken back to draft."""
    add_user(demo_store, USER, PASSWORD, now=NOW)
    set_status(demo_store, SLUG, "draft")
    return demo_store


@pytest.fixture
def editor_client(editor_store: Store) -> Iterator[Client]:
    """A client on the demo store (an editor account exists, nobody is logged in)."""
    c = Client(make_app(editor_store))
    yield c
    c.close()


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match is not None, "no CSRF token on the page"
    return match.group(1)


def _login(client: Client, name: str = USER, password: str = PASSWORD) -> Any:
    token = _csrf(client.get(LOGIN).text)
    return client.post(LOGIN, data={"csrf": token, "name": name, "password": password})


def _session(client: Client) -> str | None:
    return next((c.value for c in client.http.cookies.jar if c.name == "mw_editor"), None)


class _Form(HTMLParser):
    """The named inputs and textareas of the page's ``form.edit``."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._in_form = "edit" in (a.get("class") or "")
        elif self._in_form and tag == "input" and a.get("name"):
            self.fields[str(a["name"])] = a.get("value") or ""
        elif self._in_form and tag == "textarea":
            self._textarea = str(a["name"])
            self.fields[self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.fields[self._textarea] += data


def _edit_fields(client: Client, review_id: int) -> dict[str, str]:
    page = client.get(f"/editor/reviews/{review_id}")
    assert page.status_code == 200
    parser = _Form()
    parser.feed(page.text)
    assert parser.fields, "no edit form on the page"
    return parser.fields


def _review_id(store: Store) -> int:
    stored = store.get_review(SLUG)
    assert stored is not None
    return stored.id


# -- the guard ----------------------------------------------------------------------------
def test_every_editor_route_refuses_anonymous_requests(editor_client: Client) -> None:
    """Built from the route table: a new /editor route without the guard fails here."""
    checked = 0
    declared = set()
    # FastAPI keeps included routers nested: iter_route_contexts flattens them
    for route in iter_route_contexts(editor_client.app.routes):
        if not (route.path or "").startswith("/editor"):
            continue
        assert route.methods, f"{route.path} is not a plain route (a mount?): guard it"
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in sorted(route.methods):
            declared.add((route.path, method))
            if (route.path, method) in PUBLIC_EDITOR_ROUTES:
                continue
            for cookie in ("", "mw_editor=forged-session-id"):
                editor_client.http.cookies.clear()
                response = editor_client.run(
                    editor_client.http.request(
                        method, path, headers={"cookie": cookie}, data={"csrf": "x"}
                    )
                )
                if method in ("GET", "HEAD"):
                    assert response.status_code == 303, (method, route.path)
                    assert response.headers["location"] == LOGIN
                else:
                    assert response.status_code in (401, 403), (method, route.path)
                checked += 1
    assert declared >= PUBLIC_EDITOR_ROUTES  # the allow-list names real routes only
    assert checked >= 2 * 8  # desk, edit, save, preview, history, publish, unpublish, logout


def test_login_form_needs_its_csrf_token(editor_client: Client) -> None:
    editor_client.get(LOGIN)
    response = editor_client.post(LOGIN, data={"name": USER, "password": PASSWORD})
    assert response.status_code == 403
    assert _session(editor_client) is None


# -- logins, sessions, throttling --------------------------------------------------------
def test_login_sets_a_strict_cookie_and_a_new_session_id_each_time(
    editor_client: Client,
) -> None:
    first = _login(editor_client)
    assert first.status_code == 303 and first.headers["location"] == "/editor/"
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/editor" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test
    old = _session(editor_client)
    assert old and editor_client.get("/editor/").status_code == 200
    second = _login(editor_client)  # logging in again, holding the old cookie
    assert second.status_code == 303
    new = _session(editor_client)
    assert new and new != old
    # the old id is dead: no fixation, no second live session from one browser
    response = editor_client.get("/editor/", headers={"cookie": f"mw_editor={old}"})
    assert response.status_code == 303


def test_session_cookie_is_secure_over_https(editor_store: Store) -> None:
    c = Client(make_app(editor_store), base_url="https://testserver")
    try:
        response = _login(c)
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"]
    finally:
        c.close()


def test_unknown_user_and_wrong_password_read_the_same(editor_client: Client) -> None:
    wrong = _login(editor_client, password="not the password at all")
    unknown = _login(editor_client, name="nobody-here")
    assert wrong.status_code == unknown.status_code == 401
    message = re.findall(r'class="error"[^>]*>([^<]+)<', wrong.text)
    assert message and message == re.findall(r'class="error"[^>]*>([^<]+)<', unknown.text)


def test_wrong_passwords_back_off_that_network_only(editor_client: Client) -> None:
    for _ in range(LOGIN_FREE_ATTEMPTS):
        assert _login(editor_client, password="wrong password!").status_code == 401
    held = _login(editor_client)  # the right password waits out this network's back-off
    assert held.status_code == 429
    assert held.headers["retry-after"] == "1"  # the first wait of the back-off
    assert "from your network" in held.text
    assert _session(editor_client) is None
    # the editor at another network is not kept out (the old lock was by name)
    transport = httpx.ASGITransport(app=editor_client.app, client=("198.51.100.7", 4321))
    elsewhere = Client(editor_client.app)
    elsewhere.http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    try:
        assert _login(elsewhere).status_code == 303
    finally:
        elsewhere.close()


def test_backoff_doubles_per_name_and_network_and_ends(editor_store: Store) -> None:
    net_a, net_b = "192.0.2.0/24", "198.51.100.0/24"
    policy = LoginPolicy(free_attempts=3, backoff_base_s=2.0, backoff_max_s=5.0)

    def attempt(password: str, at: float, network: str = net_a) -> users.LoginResult:
        when = NOW + timedelta(seconds=at)
        return authenticate(editor_store, USER, password, network=network, now=when, policy=policy)

    for i in range(3):
        assert not attempt("wrong password!", i * 0.1).locked
    refused = attempt(PASSWORD, 0.3)
    assert refused.locked and refused.user is None
    assert refused.retry_after_s == pytest.approx(2.0 - 0.1)
    assert not attempt("wrong password!", 2.3).locked  # 2 s after the last check
    waits = attempt(PASSWORD, 2.4)
    assert waits.locked and waits.retry_after_s == pytest.approx(4.0 - 0.1)
    assert attempt(PASSWORD, 6.2).locked
    assert not attempt("wrong password!", 6.3).locked  # 4 s (2 * 2 s) after 2.3
    capped = attempt(PASSWORD, 6.4)  # 2 * 4 s would be 8 s: the maximum is 5 s
    assert capped.locked and capped.retry_after_s == pytest.approx(5.0 - 0.1)
    assert attempt(PASSWORD, 11.4).user is not None  # the right password resets the count
    for i in range(3):
        assert not attempt("wrong password!", 12 + i).locked
    assert attempt(PASSWORD, 14.5).locked
    assert attempt(PASSWORD, 14.5, net_b).user is not None  # another network is free
    # quiet for a day: the count starts afresh
    assert attempt(PASSWORD, 14 + policy.forget_after_s).user is not None


def test_one_network_spraying_names_backs_off_across_names(editor_store: Store) -> None:
    policy = LoginPolicy(free_attempts=10, network_free_attempts=5)
    for i in range(5):
        result = authenticate(
            editor_store, f"guess{i}", "x" * 12, network="192.0.2.0/24", now=NOW, policy=policy
        )
        assert result.user is None and not result.locked
    sprayed = authenticate(
        editor_store, USER, PASSWORD, network="192.0.2.0/24", now=NOW, policy=policy
    )
    assert sprayed.locked
    elsewhere = authenticate(
        editor_store, USER, PASSWORD, network="198.51.100.0/24", now=NOW, policy=policy
    )
    assert elsewhere.user is not None and elsewhere.user.name == USER


class CountingHasher(PasswordHasher):
    """argon2 at its cheapest, counting the checks and the most that ran at once."""

    def __init__(self, pause_s: float = 0.0) -> None:
        super().__init__(1, 8, 1)
        self.pause_s = pause_s
        self.checked = 0
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self._lock:
            self.checked += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.pause_s)
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def account_store(store_url: str) -> Iterator[Store]:
    """An empty store with the one editor account, on SQLite and on PostgreSQL."""
    store = open_store(store_url)
    add_user(store, USER, PASSWORD, now=NOW)
    yield store
    store.close()


def test_hundred_concurrent_wrong_passwords_check_at_most_ten(account_store: Store) -> None:
    hasher = CountingHasher(pause_s=0.01)
    checks = threading.BoundedSemaphore(100)  # no bound here: the counter alone must hold

    def wrong(i: int) -> users.LoginResult:
        return authenticate(
            account_store,
            USER,
            f"wrong password {i}",
            network="203.0.113.0/24",
            now=NOW,
            hasher=hasher,
            checks=checks,
        )

    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(wrong, range(100)))
    assert hasher.checked == LOGIN_FREE_ATTEMPTS  # 10, not 34 as before the counter
    assert sum(r.locked for r in results) == 100 - LOGIN_FREE_ATTEMPTS
    assert all(r.user is None for r in results)
    # wrong passwords from network A do not block the right one from network B
    right = authenticate(account_store, USER, PASSWORD, network="198.51.100.0/24", now=NOW)
    assert right.user is not None and right.user.name == USER


def test_password_checks_run_at_most_n_at_once(account_store: Store) -> None:
    hasher = CountingHasher(pause_s=0.05)
    checks = threading.BoundedSemaphore(3)

    def attempt(i: int) -> users.LoginResult:
        return authenticate(
            account_store,
            f"name{i}",
            "wrong password!",
            network=f"10.0.{i}.0/24",  # each from its own network: none backs off
            now=NOW,
            hasher=hasher,
            checks=checks,
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(attempt, range(20)))
    assert hasher.checked == 20 and not any(r.locked for r in results)
    assert hasher.most == 3


def test_no_free_check_slot_is_a_retry_later(account_store: Store) -> None:
    checks = threading.BoundedSemaphore(1)
    checks.acquire()  # every slot busy
    try:
        result = authenticate(
            account_store,
            USER,
            PASSWORD,
            network="192.0.2.0/24",
            now=NOW,
            policy=LoginPolicy(check_wait_s=0.05),
            checks=checks,
        )
    finally:
        checks.release()
    assert result.locked and result.retry_after_s == pytest.approx(0.05)


def test_disabled_or_removed_users_cannot_log_in(editor_store: Store) -> None:
    from midweek.store.users import create_session, remove_user, session_user

    token = create_session(editor_store, 1, now=NOW)
    assert session_user(editor_store, token, now=NOW) is not None
    assert session_user(editor_store, token, now=NOW + users.SESSION_TTL) is None  # expired
    assert remove_user(editor_store, USER)
    assert session_user(editor_store, token, now=NOW) is None
    assert authenticate(editor_store, USER, PASSWORD, network="a", now=NOW).user is None


def test_logout_ends_the_session(editor_client: Client) -> None:
    _login(editor_client)
    old = _session(editor_client)
    page = editor_client.get("/editor/").text
    assert editor_client.post("/editor/logout", data={"csrf": "forged"}).status_code == 403
    response = editor_client.post("/editor/logout", data={"csrf": _csrf(page)})
    assert response.status_code == 303 and response.headers["location"] == LOGIN
    response = editor_client.get("/editor/", headers={"cookie": f"mw_editor={old}"})
    assert response.status_code == 303


def test_user_rules() -> None:
    from midweek.store.users import check_user_name

    assert check_user_name(" ana.b ") == "ana.b"
    for bad in ("", "-x", "a b", "x" * 65, "<b>"):
        with pytest.raises(ConfigError):
            check_user_name(bad)


def test_add_user_refuses_short_passwords_and_taken_names(editor_store: Store) -> None:
    with pytest.raises(ConfigError, match="password"):
        add_user(editor_store, "someone", "short", now=NOW)
    with pytest.raises(ConfigError, match="already"):
        add_user(editor_store, USER, PASSWORD, now=NOW)


# -- editing and publishing --------------------------------------------------------------
def test_edit_publish_and_the_reader_sees_the_published_text(
    editor_client: Client, editor_store: Store
) -> None:
    review_id = _review_id(editor_store)
    assert _login(editor_client).status_code == 303
    desk_page = editor_client.get("/editor/")
    assert (
        f"/editor/reviews/{review_id}" in desk_page.text and 'data-status="draft"' in desk_page.text
    )
    fields = _edit_fields(editor_client, review_id)
    old_heading = fields["heading-0"]
    fields.update({"heading-0": "A heading the editor wrote", "title": "The edited week"})
    saved = editor_client.post(f"/editor/reviews/{review_id}", data={**fields, "op": "save"})
    assert saved.status_code == 303
    # a draft is on the desk, not on the site: readers, the feed and the API never see it
    assert editor_client.get(f"/reviews/{SLUG}").status_code == 404
    assert "The edited week" not in editor_client.get("/feed.atom").text
    assert editor_client.get(f"/api/reviews/{SLUG}").status_code == 404
    preview = editor_client.get(f"/editor/reviews/{review_id}/preview").text
    assert "A heading the editor wrote" in preview

    token = _csrf(editor_client.get(f"/editor/reviews/{review_id}").text)
    published = editor_client.post(f"/editor/reviews/{review_id}/publish", data={"csrf": token})
    assert published.status_code == 303
    stored = editor_store.get_review(SLUG)
    assert stored is not None and stored.status == "published"
    assert stored.published_at == NOW and stored.body["status"] == "published"
    # what the desk wrote is still a review body, read back to the same JSON
    assert review_to_dict(stored.review) == stored.body
    generated = desk.generated_body(editor_store, review_id)
    assert generated is not None and review_to_dict(review_from_dict(generated)) == generated
    reader = editor_client.get(f"/reviews/{SLUG}").text
    assert 'data-status="published"' in reader and "A heading the editor wrote" in reader
    feed = editor_client.get("/feed.atom").text
    assert "The edited week" in feed

    # the published review is locked: no edit form, a stale POST is refused, no rebuild
    assert 'form class="edit"' not in editor_client.get(f"/editor/reviews/{review_id}").text
    refused = editor_client.post(f"/editor/reviews/{review_id}", data={**fields, "op": "save"})
    assert refused.status_code == 409
    from midweek.pipeline import build_review

    start = datetime.fromisoformat(stored.body["window_start"])
    end = datetime.fromisoformat(stored.body["window_end"])
    with pytest.raises(StoreError, match="published"):
        build_review(editor_store, start, end, lang="en", now=NOW)
    after = editor_store.get_review(SLUG)
    assert after is not None and after.body == stored.body

    history = editor_client.get(f"/editor/reviews/{review_id}/history").text
    assert "+## A heading the editor wrote" in htmlmod.unescape(history)
    assert f"-## {old_heading}" in htmlmod.unescape(history)
    assert ">publish<" in history and ">edit<" in history and USER in history

    token = _csrf(editor_client.get(f"/editor/reviews/{review_id}").text)
    editor_client.post(f"/editor/reviews/{review_id}/unpublish", data={"csrf": token})
    stored = editor_store.get_review(SLUG)
    assert stored is not None and stored.status == "draft" and stored.published_at is None


def test_section_buttons_move_and_delete(editor_client: Client, editor_store: Store) -> None:
    review_id = _review_id(editor_store)
    _login(editor_client)
    before = editor_store.get_review(SLUG)
    assert before is not None and len(before.body["sections"]) >= 3
    headings = [s["heading"] for s in before.body["sections"]]
    fields = _edit_fields(editor_client, review_id)
    editor_client.post(f"/editor/reviews/{review_id}", data={**fields, "op": "down-0"})
    moved = editor_store.get_review(SLUG)
    assert moved is not None
    assert [s["heading"] for s in moved.body["sections"]][:2] == [headings[1], headings[0]]
    fields = _edit_fields(editor_client, review_id)
    editor_client.post(f"/editor/reviews/{review_id}", data={**fields, "op": "delete-1"})
    cut = editor_store.get_review(SLUG)
    assert cut is not None and headings[0] not in [s["heading"] for s in cut.body["sections"]]
    assert len(cut.body["sections"]) == len(headings) - 1


def test_a_stale_form_cannot_overwrite(editor_client: Client, editor_store: Store) -> None:
    review_id = _review_id(editor_store)
    _login(editor_client)
    fields = _edit_fields(editor_client, review_id)
    first = editor_client.post(
        f"/editor/reviews/{review_id}", data={**fields, "title": "First", "op": "save"}
    )
    assert first.status_code == 303
    second = editor_client.post(
        f"/editor/reviews/{review_id}", data={**fields, "title": "Second", "op": "save"}
    )
    assert second.status_code == 409
    stored = editor_store.get_review(SLUG)
    assert stored is not None and stored.title == "First"


def test_edit_needs_the_session_token(editor_client: Client, editor_store: Store) -> None:
    review_id = _review_id(editor_store)
    _login(editor_client)
    fields = _edit_fields(editor_client, review_id)
    response = editor_client.post(
        f"/editor/reviews/{review_id}", data={**fields, "csrf": "x", "title": "Hijacked"}
    )
    assert response.status_code == 403
    stored = editor_store.get_review(SLUG)
    assert stored is not None and stored.title != "Hijacked"


def test_editor_pages_escape_and_carry_no_script(
    editor_client: Client, editor_store: Store
) -> None:
    review_id = _review_id(editor_store)
    _login(editor_client)
    fields = _edit_fields(editor_client, review_id)
    evil = "<script>alert(1)</script>"
    editor_client.post(
        f"/editor/reviews/{review_id}",
        data={**fields, "title": evil, "heading-0": evil, "tags": evil, "op": "save"},
    )
    for path in (
        "/editor/",
        f"/editor/reviews/{review_id}",
        f"/editor/reviews/{review_id}/preview",
        f"/editor/reviews/{review_id}/history",
        LOGIN,
    ):
        response = editor_client.get(path)
        assert response.status_code == 200, path
        assert "<script" not in response.text.lower(), path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
    assert "&lt;script&gt;" in editor_client.get("/editor/").text


def test_audit_log_records_who_what_and_the_changed_fields(
    editor_client: Client, editor_store: Store
) -> None:
    review_id = _review_id(editor_store)
    _login(editor_client)
    fields = _edit_fields(editor_client, review_id)
    editor_client.post(
        f"/editor/reviews/{review_id}", data={**fields, "rubric": "NEW RUBRIC", "op": "save"}
    )
    entries = desk.list_audit(editor_store, review_id)
    # newest first: the editor's edit, the fixture's unpublish, the demo's publish
    assert [(e.action, e.user_name) for e in entries] == [
        ("edit", USER),
        ("unpublish", "test"),
        ("publish", "midweek demo"),
    ]
    assert entries[0].user_name == USER and entries[0].at == NOW
    assert set(entries[0].changes) == {"rubric"}
    assert entries[0].changes["rubric"]["after"] == "NEW RUBRIC"
    generated = desk.generated_body(editor_store, review_id)
    assert generated is not None and generated["rubric"] != "NEW RUBRIC"
    json.dumps(entries[0].changes)  # plain JSON


# -- migrations and the CLI ---------------------------------------------------------------
def test_migration_adds_and_removes_the_desk_tables(tmp_path: Path) -> None:
    from importlib import resources

    from alembic import command
    from alembic.config import Config

    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        names = set(inspect(store.engine).get_table_names())
        tables = {"users", "editor_sessions", "login_throttle", "review_audit", "reviews_generated"}
        assert tables <= names
        config = Config()
        config.set_main_option(
            "script_location", str(resources.files("midweek.store") / "migrations")
        )
        with store.engine.connect().execution_options(midweek_write=True) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0002")
            conn.commit()
        assert not tables & set(inspect(store.engine).get_table_names())
    finally:
        store.close()


def test_users_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from midweek.cli.context import GlobalOptions
    from midweek.cli.site import users_app

    monkeypatch.chdir(tmp_path)
    # the global options (--db) reach a command through the click context's obj
    given = GlobalOptions(db=f"sqlite:///{tmp_path / 'u.db'}")
    app = typer.Typer()
    app.add_typer(users_app, name="users")
    runner = CliRunner()
    add = ["users", "add", "ana"]
    typed = runner.invoke(app, add, input=f"{PASSWORD}\n{PASSWORD}\n", obj=given)
    assert typed.exit_code == 0, typed.output
    assert PASSWORD not in typed.output  # the prompt hides what is typed
    piped = runner.invoke(
        app, ["users", "add", "bo", "--password-stdin"], input=PASSWORD + "\n", obj=given
    )
    assert piped.exit_code == 0, piped.output
    listed = runner.invoke(app, ["users", "list", "--json"], obj=given)
    assert [u["name"] for u in json.loads(listed.output)] == ["ana", "bo"]
    assert runner.invoke(app, ["users", "remove", "bo"], obj=given).exit_code == 0
    missing = runner.invoke(app, ["users", "remove", "bo"], obj=given)
    assert missing.exit_code != 0 and isinstance(missing.exception, ConfigError)
    store = open_store(f"sqlite:///{tmp_path / 'u.db'}")
    try:
        assert authenticate(store, "ana", PASSWORD, network="a", now=NOW).user is not None
    finally:
        store.close()


def test_save_says_saved_once(editor_client: Client, editor_store: Store) -> None:
    review_id = _review_id(editor_store)
    assert _login(editor_client).status_code == 303
    fields = _edit_fields(editor_client, review_id)
    assert 'role="status"' not in editor_client.get(f"/editor/reviews/{review_id}").text
    generated = editor_store.get_review(SLUG)
    assert generated is not None
    teasers = generated.body["teasers"]
    assert teasers[0] == fields["heading-0"]  # the demo's teasers are its headings
    fields["heading-0"] = "A heading the editor wrote"
    saved = editor_client.post(f"/editor/reviews/{review_id}", data={**fields, "op": "save"})
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/editor/reviews/{review_id}?saved=1"
    page = editor_client.get(saved.headers["location"])
    assert '<p class="saved" role="status">Saved.</p>' in page.text
    stored = editor_store.get_review(SLUG)
    assert stored is not None
    assert stored.body["teasers"] == ["A heading the editor wrote", *teasers[1:]]
    ru = editor_client.get(f"/editor/reviews/{review_id}?saved=1&lang=ru").text
    assert "Сохранено." in ru


def test_the_edit_page_shows_the_checker_findings_with_the_sentence_marked(
    editor_client: Client, editor_store: Store
) -> None:
    review_id = _review_id(editor_store)
    assert _login(editor_client).status_code == 303
    clean = editor_client.get(f"/editor/reviews/{review_id}").text
    assert "The checker found nothing to fix." in clean  # the demo's composed draft passes
    fields = _edit_fields(editor_client, review_id)
    fields["text-0"] = "Subscribe to our channel and we will keep you posted."
    saved = editor_client.post(f"/editor/reviews/{review_id}", data={**fields, "op": "save"})
    assert saved.status_code == 303
    page = editor_client.get(f"/editor/reviews/{review_id}").text
    findings = page[page.index('<section class="findings"') : page.index("</section>")]
    assert "things an editor would fix before publishing" in findings
    assert "section 1 sentence 1</b>: first_person" in findings, findings
    assert "<mark>Subscribe to our channel and we will keep you posted.</mark>" in findings


def test_an_editor_sets_a_cited_article_aside_and_the_checker_flags_it(
    editor_client: Client, editor_store: Store
) -> None:
    review_id = _review_id(editor_store)
    stored = editor_store.get_review(SLUG)
    assert stored is not None
    first = stored.review.sections[0].sentences[0]
    article_id = first.citations[0].article_id
    assert _login(editor_client).status_code == 303
    page = editor_client.get(f"/editor/reviews/{review_id}").text
    sources = page[page.index('<section class="sources"') :]
    assert f'name="article" value="{article_id}"' in sources
    assert '<option value="news" selected>news</option>' in sources
    token = _csrf(page)
    url = f"/editor/reviews/{review_id}/kind"
    assert (
        editor_client.post(url, data={"article": article_id, "kind": "advert"}).status_code == 403
    )
    bad = editor_client.post(url, data={"csrf": token, "article": article_id, "kind": "spam"})
    assert bad.status_code == 409 and "unknown kind" in bad.text
    done = editor_client.post(url, data={"csrf": token, "article": article_id, "kind": "advert"})
    assert done.status_code == 303 and done.headers["location"].endswith("#sources")
    assert editor_store.get_articles([article_id])[article_id].kind == "advert"
    entry = desk.list_audit(editor_store, review_id)[0]
    assert (entry.action, entry.user_name) == ("article_kind", USER)
    assert entry.changes == {"kind": {"article": article_id, "before": "news", "after": "advert"}}
    page = editor_client.get(f"/editor/reviews/{review_id}").text
    findings = page[page.index('<section class="findings"') : page.index("</section>")]
    assert f"advert_text: cites article {article_id}, which is advert" in findings
    assert '<option value="advert" selected>advert</option>' in page
    # back to news: the flag goes, and the log has both verdicts
    editor_client.post(url, data={"csrf": token, "article": article_id, "kind": "news"})
    assert "which is advert" not in editor_client.get(f"/editor/reviews/{review_id}").text
    assert [e.action for e in desk.list_audit(editor_store, review_id)][:2] == ["article_kind"] * 2


def test_the_edit_page_lists_the_window_s_set_aside_posts(
    editor_client: Client, editor_store: Store
) -> None:
    stored = editor_store.get_review(SLUG)
    assert stored is not None
    review = stored.review
    cited = review.sections[0].sentences[0].citations[0].article_id
    when = review.window_start + timedelta(hours=1)
    rows = [
        ArticleRow(
            article=Article(
                url=f"https://ads.example/{kind}",
                title=f"Posted {kind} {n}",
                text=f"Posted {kind} {n}: a post of the review's window.",
                published=when,
                outlet="ads.example",
                kind=kind,
            ),
            key=f"url:ads.example/{kind}",
            canonical_url=f"ads.example/{kind}",
            content_hash=f"{n:064x}",
        )
        for n, kind in enumerate(("advert", "news", "digest"), start=1)
    ]
    advert, news, digest = editor_store.add_articles(rows, NOW)
    assert _login(editor_client).status_code == 303
    token = _csrf(editor_client.get(f"/editor/reviews/{_review_id(editor_store)}").text)
    # a cited article set aside stays among the cited sources, not listed twice
    kind_url = f"/editor/reviews/{_review_id(editor_store)}/kind"
    editor_client.post(kind_url, data={"csrf": token, "article": cited, "kind": "advert"})
    page = editor_client.get(f"/editor/reviews/{_review_id(editor_store)}").text
    listed = page[page.index("<caption>Set aside in this period</caption>") :]
    listed = listed[: listed.index("</table>")]
    assert f"#{advert}: Posted advert 1" in listed and f"#{digest}: Posted digest 3" in listed
    assert f"#{news}:" not in listed and f"#{cited}:" not in listed
