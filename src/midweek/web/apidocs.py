"""The API's documentation page, built from the app's own OpenAPI schema.

FastAPI's Swagger UI and ReDoc pages load their scripts from a CDN and start them with an
inline script: the site's Content-Security-Policy forbids both, and a server may have no
network. This page is the same schema as plain HTML from our template (no script): every
endpoint with its parameters, answers and the fields of every model, so the docs can never
drift from the code.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

logger = logging.getLogger(__name__)

__all__ = [
    "DocsPage",
    "Endpoint",
    "Field",
    "Model",
    "Parameter",
    "docs_page",
    "first_line",
    "schema_type",
]

# Where the schema's models live (OpenAPI 3).
_COMPONENTS: Final = "#/components/schemas/"
# Constraints shown beside a type, in this order, with how each reads.
_BOUNDS: Final = (
    ("minimum", "≥ {}"),
    ("maximum", "≤ {}"),
    ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"),
)


@dataclass(frozen=True, slots=True)
class Parameter:
    """One parameter of an endpoint."""

    name: str
    where: str  # path or query
    type: str
    required: bool
    default: str
    description: str


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation: method, path, what it does, its parameters and answers."""

    anchor: str
    method: str
    path: str
    summary: str
    description: str
    parameters: tuple[Parameter, ...]
    answers: tuple[tuple[str, str, str], ...]  # (status, description, body type)


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a model."""

    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True, slots=True)
class Model:
    """One model of the schema (a JSON object an endpoint answers with)."""

    name: str
    description: str
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class DocsPage:
    """What the documentation page shows."""

    title: str
    version: str
    description: str
    endpoints: tuple[Endpoint, ...]
    models: tuple[Model, ...]


def first_line(text: str) -> str:
    """The first paragraph of a docstring-style description, on one line."""
    return " ".join(text.strip().split("\n\n")[0].split())


def _mapping(value: object) -> Mapping[str, object]:
    """``value`` when it is a JSON object, else an empty one (the document is FastAPI's,
    read tolerantly: a part this page does not know shows as empty)."""
    return value if isinstance(value, Mapping) else {}


def _array(value: object) -> Sequence[object]:
    """``value`` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list | tuple) else ()


def schema_type(schema: Mapping[str, object]) -> str:
    """A JSON schema as a short type: ``integer (≥ 1)``, ``array of ReviewOut``, ``string | null``.

    Args:
        schema: A schema object of the OpenAPI document.

    Returns:
        The type as the page shows it.
    """
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref.removeprefix(_COMPONENTS)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " | ".join(schema_type(_mapping(s)) for s in _array(schema[key]))
    kind = str(schema.get("type", "any"))
    if kind == "array":
        kind = f"array of {schema_type(_mapping(schema.get('items')))}"
    elif kind == "string" and "format" in schema:
        kind = f"string ({schema['format']})"
    elif kind == "object" and "additionalProperties" in schema:
        kind = "object"
    bounds = [text.format(schema[key]) for key, text in _BOUNDS if key in schema]
    return f"{kind} ({', '.join(bounds)})" if bounds else kind


def _parameter(raw: Mapping[str, object]) -> Parameter:
    """One parameter object as shown."""
    schema = _mapping(raw.get("schema"))
    default = schema.get("default")
    return Parameter(
        name=str(raw.get("name", "")),
        where=str(raw.get("in", "")),
        type=schema_type(schema),
        required=bool(raw.get("required", False)),
        default="" if default is None else str(default),
        description=str(raw.get("description", "")),
    )


def _answers(responses: Mapping[str, object]) -> tuple[tuple[str, str, str], ...]:
    """(status, description, body type) of each answer of an operation."""
    out = []
    for status, value in sorted(responses.items()):
        answer = _mapping(value)
        body = _mapping(_mapping(answer.get("content")).get("application/json")).get("schema")
        out.append(
            (
                status,
                str(answer.get("description", "")),
                schema_type(_mapping(body)) if body else "",
            )
        )
    return tuple(out)


def docs_page(openapi: Mapping[str, object]) -> DocsPage:
    """The documentation page of an OpenAPI document.

    Args:
        openapi: The app's schema (``app.openapi()``).

    Returns:
        Its endpoints in the schema's order and its models by name.
    """
    endpoints = []
    for path, item in _mapping(openapi.get("paths")).items():
        for method, value in _mapping(item).items():
            op = _mapping(value)
            description = str(op.get("description", ""))
            endpoints.append(
                Endpoint(
                    anchor=str(op.get("operationId", f"{method}-{path}")),
                    method=method.upper(),
                    path=path,
                    summary=first_line(description) or str(op.get("summary", "")),
                    description=description.strip(),
                    parameters=tuple(_parameter(_mapping(p)) for p in _array(op.get("parameters"))),
                    answers=_answers(_mapping(op.get("responses"))),
                )
            )
    models = []
    schemas = _mapping(_mapping(openapi.get("components")).get("schemas"))
    for name, value in sorted(schemas.items()):
        schema = _mapping(value)
        required = set(_array(schema.get("required")))
        models.append(
            Model(
                name=name,
                description=str(schema.get("description", "")),
                fields=tuple(
                    Field(
                        field,
                        schema_type(_mapping(property_)),
                        field in required,
                        str(_mapping(property_).get("description", "")),
                    )
                    for field, property_ in _mapping(schema.get("properties")).items()
                ),
            )
        )
    info = _mapping(openapi.get("info"))
    return DocsPage(
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),
        description=str(info.get("description", "")),
        endpoints=tuple(endpoints),
        models=tuple(models),
    )
