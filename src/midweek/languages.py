"""The one spelling of the languages midweek writes reviews and names entities in.

``en``, ``ru``, ``uz-Latn`` and ``uz-Cyrl``, matched without regard to case; ``uz``
alone is Uzbek in the Latin script, the script Uzbekistan's official texts use since 1995.
"""

from __future__ import annotations

from typing import Final

from midweek.errors import ConfigError

# The languages of the review templates, the translations and the knowledge base.
LANGUAGES: Final = ("en", "ru", "uz-Latn", "uz-Cyrl")
# Accepted other spellings: `uz` names the Latin script (see the module docstring).
_ALIASES: Final = {"uz": "uz-Latn"}
# What --help says after each --lang option.
LANGUAGE_HELP: Final = "en, ru, uz-Latn or uz-Cyrl (any case; uz = uz-Latn)."


def normalize_language(value: str, label: str = "--lang") -> str:
    """The canonical spelling of a language code.

    Args:
        value: What the user typed (``UZ-latn``, ``uz``, ``RU``...).
        label: The option named in the error.

    Returns:
        One of :data:`LANGUAGES`.

    Raises:
        ConfigError: the code is none of them.
    """
    key = value.strip().casefold()
    for code in LANGUAGES:
        if code.casefold() == key:
            return code
    if key in _ALIASES:
        return _ALIASES[key]
    raise ConfigError(
        f"{label}: unknown language {value!r}; use one of {', '.join(LANGUAGES)} (uz is uz-Latn)"
    )
