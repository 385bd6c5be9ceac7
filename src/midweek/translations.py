"""The gettext catalogs of midweek's fixed strings (the site's interface, a review's frame).

English is the source language: the messages are written in English in the code
(:mod:`midweek.web.i18n`, :mod:`midweek.compose`) and translated in
``midweek/locale/<locale>/LC_MESSAGES/midweek.po``, one catalog per language, made from the
``midweek.pot`` template that ``pybabel extract`` regenerates (docs/translating.md).

The ``.po`` files are read at run time (Babel parses them; no compiled ``.mo`` is kept), so
an editable install and a wheel serve the same files translators edit, with no build step
to forget. A catalog is parsed once per process and cached.
"""

from __future__ import annotations

import functools
import gettext
import io
import logging
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from midweek.errors import ConfigError

logger = logging.getLogger(__name__)

__all__ = ["DOMAIN", "LOCALE_DIR", "SOURCE_LANGUAGE", "catalog_path", "translations"]

# The gettext domain: the catalogs' file name (midweek.po, midweek.pot).
DOMAIN: Final = "midweek"
# Where the catalogs live, inside the package so a wheel carries them.
LOCALE_DIR: Final = Path(__file__).parent / "locale"
# The language the messages are written in: it needs no catalog.
SOURCE_LANGUAGE: Final = "en"


def catalog_path(lang: str) -> Path:
    """The ``.po`` file of a language (which may not exist).

    Args:
        lang: A language tag as midweek writes it (``ru``, ``uz-Latn``, ``uz-Cyrl``).

    Returns:
        ``LOCALE_DIR/<locale>/LC_MESSAGES/midweek.po``, the locale spelled as gettext
        spells it (``uz_Latn``).
    """
    return LOCALE_DIR / lang.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The translations of a language, read from its catalog once and cached.

    A message missing from the catalog (or marked fuzzy) reads as its English source.

    Args:
        lang: A language tag as midweek writes it; ``en`` is the source language.

    Returns:
        An object with ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext``.

    Raises:
        ConfigError: The language has no catalog.
    """
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    path = catalog_path(lang)
    if not path.is_file():
        raise ConfigError(f"no translations for language {lang!r} (looked for {path})")
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale=path.parent.parent.name, domain=DOMAIN)
    # Babel parses .po but only reads back compiled catalogs: compile it in memory.
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    logger.debug("read %d messages for %s from %s", len(catalog), lang, path)
    return Translations(compiled, domain=DOMAIN)
