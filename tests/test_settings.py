"""Settings: file, environment and flag precedence; clear errors; every setting documented."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from midweek.errors import ConfigError
from midweek.settings import SETTINGS, load_settings, render_settings_file, setting_names

REPO = Path(__file__).resolve().parent.parent


def test_defaults_put_the_database_in_the_workspace(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'midweek.db'}"
    assert settings.fetch_deadline_s == 20.0 and settings.fetch_allow_hosts == ()


def test_file_then_environment_then_flag(tmp_path: Path) -> None:
    (tmp_path / "midweek.toml").write_text(
        'database_url = "news.db"\nfetch_threads = 3\nfetch_allow_hosts = ["10.0.0.0/8"]\n'
    )
    settings = load_settings(tmp_path, environ={"MIDWEEK_FETCH_THREADS": "5"})
    assert settings.fetch_threads == 5
    assert settings.database_url.endswith(str(tmp_path.resolve() / "news.db"))
    assert settings.fetch_allow_hosts == ("10.0.0.0/8",)
    flagged = load_settings(tmp_path, environ={}, database_url="postgresql+psycopg://h/db")
    assert flagged.database_url == "postgresql+psycopg://h/db"


def test_environment_lists_and_booleans(tmp_path: Path) -> None:
    env = {
        "MIDWEEK_FETCH_ALLOW_HOSTS": "127.0.0.1, intranet.local",
        "MIDWEEK_FETCH_RESPECT_ROBOTS": "no",
    }
    settings = load_settings(tmp_path, environ=env)
    assert settings.fetch_allow_hosts == ("127.0.0.1", "intranet.local")
    assert settings.fetch_respect_robots is False


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("fetch_threads = 'many'", "fetch_threads must be int"),
        ("no_such_setting = 1", "unknown setting 'no_such_setting'"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_bad_settings_file_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "midweek.toml").write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path, environ={})


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MIDWEEK_FETCH_DEADLINE_S"):
        load_settings(tmp_path, environ={"MIDWEEK_FETCH_DEADLINE_S": "soon"})


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(config=tmp_path / "nope.toml", environ={})


def test_rendered_file_is_valid_toml_and_loads_to_the_defaults(tmp_path: Path) -> None:
    text = render_settings_file()
    uncommented = "\n".join(
        line[2:] for line in text.splitlines() if line.startswith("# ") and " = " in line
    )
    assert set(tomllib.loads(uncommented)) == {s.name for s in SETTINGS}
    defaults = load_settings(tmp_path, environ={})
    (tmp_path / "midweek.toml").write_text(text)
    assert load_settings(tmp_path, environ={}) == defaults


def render_settings_doc() -> str:
    """docs/settings.md from the settings table (``python tests/test_settings.py`` writes it)."""
    lines = [
        "# Settings",
        "",
        "Every setting lives in `midweek.toml` in the workspace (`midweek init` writes them "
        "all, commented) and can be overridden by `MIDWEEK_<NAME>` in the environment (lists "
        "as comma-separated values, booleans as `true`/`false`). `--db` on the command line "
        "overrides `database_url`.",
        "",
        "| setting | environment | default | what it does |",
        "|---|---|---|---|",
    ]
    for s in SETTINGS:
        default = "[]" if isinstance(s.default, list) else s.default
        shown = f"`{default}`" if default != "" else "(empty)"
        lines.append(f"| `{s.name}` | `MIDWEEK_{s.name.upper()}` | {shown} | {s.help} |")
    return "\n".join(lines) + "\n"


def test_every_setting_is_documented() -> None:
    doc = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    assert doc == render_settings_doc(), "docs/settings.md is stale: python tests/test_settings.py"
    assert setting_names() == [s.name for s in SETTINGS]


if __name__ == "__main__":
    (REPO / "docs" / "settings.md").write_text(render_settings_doc(), encoding="utf-8")


def test_review_window_and_rank_boost_settings(tmp_path: Path) -> None:
    defaults = load_settings(tmp_path, environ={})
    assert (defaults.review_window_start, defaults.review_window_end) == (
        "monday 00:00",
        "wednesday 12:00",
    )
    assert defaults.rank_boost == {}
    (tmp_path / "midweek.toml").write_text(
        'review_window_end = "thursday 09:30"\nrank_boost = {UZ = 1.5, Q232 = 1.2}\n'
    )
    settings = load_settings(tmp_path, environ={})
    assert settings.review_window_end == "thursday 09:30"
    assert settings.rank_boost == {"UZ": 1.5, "Q232": 1.2}
    env = load_settings(tmp_path, environ={"MIDWEEK_RANK_BOOST": "KZ=2, UZ=1.1"})
    assert env.rank_boost == {"KZ": 2.0, "UZ": 1.1}
    for bad in ("UZ", "UZ=0", "UZ=x"):
        with pytest.raises(ConfigError, match="MIDWEEK_RANK_BOOST"):
            load_settings(tmp_path, environ={"MIDWEEK_RANK_BOOST": bad})
    with pytest.raises(ConfigError, match="weekly time"):
        load_settings(tmp_path, environ={"MIDWEEK_REVIEW_WINDOW_START": "noon"})
