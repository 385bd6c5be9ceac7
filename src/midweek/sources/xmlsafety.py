"""Make untrusted XML bytes safe to hand to a parser.

Every feed, sitemap and OPML file goes through :func:`prepare_xml` before any XML
parser sees it. The rules, each prompted by a real incident:

* Size is capped first (:data:`MAX_FEED_BYTES`), compressed input included, so a
  100 MB body costs one ``len()`` and nothing else.
* The bytes are decoded here, once, to text (BOM, then the ``<?xml encoding?>``
  declaration, then UTF-8, then windows-1252), so a UTF-16 or otherwise disguised
  ``<!DOCTYPE`` cannot slip past a byte-level screen.
* A DOCTYPE with an internal subset (``<!DOCTYPE x [``) or any ``<!ENTITY`` is refused:
  that is where billion laughs, quadratic blow-up and XXE ``file://`` live
  (feedparser #107: a DOCTYPE made it open a local file). A DOCTYPE with only an
  external identifier is removed, so no parser can try to fetch the DTD.
* Characters that XML 1.0 forbids (NUL, most C0 controls, lone surrogates) are removed,
  so a feed with one stray control character is still parsed by a strict parser, and so
  are character references to them (``&#xD800;``, ``&#0;``, ``&#x110000;``): feedparser's
  loose parser turns a reference with ``chr(n).encode("utf-8")``, which raises
  ``UnicodeEncodeError`` for a surrogate and ``ValueError`` past U+10FFFF, and that one
  item used to stop the whole feed (issue 11).
* The result is UTF-8 with a matching declaration, so parsers never guess again.

The lxml parser from :func:`safe_xml_parser` repeats the rules (no entities, no
network, no huge trees) as a second line of defence.
"""

from __future__ import annotations

import codecs
import logging
import re
import zlib
from dataclasses import dataclass

from lxml import etree

from midweek.errors import SourceError
from midweek.text.clean import clean_text, is_clean

logger = logging.getLogger(__name__)

# Miniflux caps feed bodies at 15 MiB (RELIABILITY.md); the largest real feed in our
# data (blog.rust-lang.org main.atom.xml) is 0.6 MB, so 15 MiB leaves 25x headroom while
# keeping the worst case parse (feedparser's loose parser) to seconds, not minutes.
MAX_FEED_BYTES = 15 * 1024 * 1024

# How far into the document the XML declaration may sit: it must be first, but a BOM
# and some whitespace are tolerated; 1 KiB is generous for one declaration.
XML_DECLARATION_WINDOW = 1024

GZIP_MAGIC = b"\x1f\x8b"

# A numeric character reference; the digits are bounded so int() stays cheap (the
# largest code point, 1114111, has 7 decimal digits; leading zeros are allowed, so 16).
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9A-Fa-f]{1,16})|([0-9]{1,16}));")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
# A DOCTYPE up to its first unquoted '[' or '>': alternatives start with distinct
# characters, so matching is linear (no catastrophic backtracking).
_DOCTYPE = re.compile(r"""<!DOCTYPE(?:[^>\["']|"[^"]*"|'[^']*')*""", re.IGNORECASE)
_XML_DECL = re.compile(r"""^\s*<\?xml\b[^>]*\?>""")
_DECLARED_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']"""
)
# Probe used to accept a declared codec only if it writes XML markup as plain ASCII;
# this rules out UTF-7, EBCDIC and the bytes-to-bytes codecs (base64, rot13...).
_ASCII_PROBE = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY b 'c'>]>&#60;+-_/:=;"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)


@dataclass(frozen=True, slots=True)
class PreparedXML:
    """XML that passed the screen: UTF-8 bytes and what was repaired on the way."""

    data: bytes  # UTF-8, declaration says utf-8 (or there is none), no DOCTYPE
    text: str  # the same document as text
    encoding: str  # the encoding the input was decoded from
    notes: tuple[str, ...] = ()  # repairs made; non-empty means the input was malformed


def gunzip_capped(data: bytes, max_bytes: int = MAX_FEED_BYTES) -> bytes:
    """Decompress gzip input without letting it grow past ``max_bytes``.

    Args:
        data: bytes that may start with the gzip magic number.
        max_bytes: the largest decompressed size accepted.

    Returns:
        The decompressed bytes, or ``data`` unchanged when it is not gzip.

    Raises:
        SourceError: the stream is corrupt or decompresses past the cap (a gzip bomb).
    """
    if not data.startswith(GZIP_MAGIC):
        return data
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise SourceError(f"corrupt gzip data: {exc}") from exc
    if len(out) > max_bytes or decompressor.unconsumed_tail:
        raise SourceError(f"decompressed size over the cap of {max_bytes} bytes")
    return out


def _ascii_compatible(encoding: str) -> bool:
    """Whether ``encoding`` is a text codec that writes XML markup as ASCII."""
    try:
        return _ASCII_PROBE.encode(encoding) == _ASCII_PROBE.encode("ascii")
    except (LookupError, ValueError, TypeError):
        return False


def _sniff_utf16_32(head: bytes) -> str | None:
    """Guess UTF-16/32 without a BOM from the NUL pattern around the first '<'."""
    if len(head) < 4:
        return None
    zero = [b == 0 for b in head[:4]]
    if zero == [True, True, True, False]:
        return "utf-32-be"
    if zero == [False, True, True, True]:
        return "utf-32-le"
    if zero == [True, False, True, False]:
        return "utf-16-be"
    if zero == [False, True, False, True]:
        return "utf-16-le"
    return None


def decode_xml(data: bytes) -> tuple[str, str, list[str]]:
    """Decode XML bytes to text the way an XML processor would, but leniently.

    Args:
        data: the raw document.

    Returns:
        ``(text, encoding, notes)``; ``notes`` lists repairs (a wrong declared
        encoding, undecodable bytes).
    """
    notes: list[str] = []
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name, notes
    wide = _sniff_utf16_32(data)
    if wide is not None:
        return data.decode(wide, errors="replace"), wide, notes
    candidates: list[str] = []
    match = _DECLARED_ENCODING.match(data[:XML_DECLARATION_WINDOW])
    if match:
        declared = match.group(1).decode("ascii").lower()
        if _ascii_compatible(declared):
            candidates.append(declared)
        else:
            notes.append(f"declared encoding {declared!r} refused")
    candidates.append("utf-8")
    for name in candidates:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            if match and name == candidates[0] and len(candidates) > 1:
                notes.append(f"bytes do not match declared encoding {name!r}")
            continue
        return text, name, notes
    notes.append("undecodable bytes; read as windows-1252")
    return data.decode("windows-1252", errors="replace"), "windows-1252", notes


def screen_xml_text(text: str) -> str:
    """Refuse entity declarations and internal DTD subsets; drop the rest of a DOCTYPE.

    Args:
        text: the decoded document.

    Returns:
        The text without any DOCTYPE declaration before the root element.

    Raises:
        SourceError: the document declares entities or carries an internal DTD subset.
    """
    if _ENTITY_DECL.search(text):
        raise SourceError("document declares entities (<!ENTITY): refused")
    pieces: list[str] = []
    position = 0
    for match in _DOCTYPE.finditer(text):
        end = match.end()
        if end >= len(text) or text[end] != ">":
            raise SourceError("document has a DTD internal subset (<!DOCTYPE ... [): refused")
        pieces.append(text[position : match.start()])
        position = end + 1
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)


def _drop_forbidden_refs(text: str) -> tuple[str, int]:
    """``text`` without numeric character references to characters XML forbids.

    Returns:
        The text and how many references were removed.
    """
    if "&#" not in text:
        return text, 0

    def keep(match: re.Match[str]) -> str:
        """The reference itself when it names an XML character, else nothing."""
        hexa, decimal = match.groups()
        code = int(hexa, 16) if hexa is not None else int(decimal)
        if code > 0x10FFFF or not is_clean(chr(code)):
            return ""
        return match.group(0)

    result = _CHAR_REF.sub(keep, text)
    # each removed reference is at least 4 characters; count them exactly instead
    removed = len(_CHAR_REF.findall(text)) - len(_CHAR_REF.findall(result))
    return result, removed


def prepare_xml(data: bytes, max_bytes: int = MAX_FEED_BYTES) -> PreparedXML:
    """Cap, decode, screen and clean untrusted XML; see the module docstring.

    Args:
        data: the raw bytes (gzip accepted).
        max_bytes: the size cap, applied before and after decompression.

    Returns:
        The :class:`PreparedXML` that parsers may read.

    Raises:
        SourceError: too large, empty, corrupt gzip, entity declarations or a DTD subset.
    """
    if len(data) > max_bytes:
        raise SourceError(f"input of {len(data)} bytes is over the cap of {max_bytes}")
    data = gunzip_capped(data, max_bytes)
    text, encoding, notes = decode_xml(data)
    # Remove forbidden characters before screening, so "<!EN\x00TITY" cannot hide.
    cleaned = clean_text(text)
    if len(cleaned) != len(text):
        notes.append(f"removed {len(text) - len(cleaned)} characters that XML forbids")
    text, refs = _drop_forbidden_refs(cleaned)
    if refs:
        notes.append(f"removed {refs} character references to characters that XML forbids")
    text = screen_xml_text(text)
    text = text.lstrip("\ufeff \t\r\n")
    if not text:
        raise SourceError("empty document")
    text = _XML_DECL.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1)
    return PreparedXML(text.encode("utf-8"), text, encoding, tuple(notes))


def safe_xml_parser() -> etree.XMLParser:
    """An lxml parser that resolves no entities, loads no DTD and reads no network.

    Returns:
        A new recovering parser (malformed sitemaps still yield what they can);
        ``huge_tree=False`` keeps libxml2's depth and text-size limits.
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml_root(prepared: PreparedXML) -> etree._Element:
    """Parse screened XML with :func:`safe_xml_parser` and return its root element.

    Args:
        prepared: output of :func:`prepare_xml`.

    Returns:
        The root element.

    Raises:
        SourceError: nothing could be parsed.
    """
    try:
        root = etree.fromstring(prepared.data, safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"not XML: {exc}") from exc
    if root is None:
        raise SourceError("not XML: no root element")
    return root


def local_name(element: etree._Element) -> str:
    """The tag of ``element`` without its namespace ('' for comments and the like)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
