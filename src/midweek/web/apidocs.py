"""The API's documentation page, built from the app's own OpenAPI schema.

FastAPI's Swagger UI and ReDoc pages load their scripts from a CDN and start them with an
inline script: the site's Content-Security-Policy forbids both, and a server may have no
network. This page is the same schema as plain HTML from our template (no script): every
endpoint with its parameters, answers and the fields of every model, so the docs can never
drift from the code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

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


def schema_type(schema: dict[str, Any]) -> str:
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
            return " | ".join(schema_type(s) for s in schema[key])
    kind = str(schema.get("type", "any"))
    if kind == "array":
        kind = f"array of {schema_type(schema.get('items') or {})}"
    elif kind == "string" and "format" in schema:
        kind = f"string ({schema['format']})"
    elif kind == "object" and "additionalProperties" in schema:
        kind = "object"
    bounds = [text.format(schema[key]) for key, text in _BOUNDS if key in schema]
    return f"{kind} ({', '.join(bounds)})" if bounds else kind


def _parameter(raw: dict[str, Any]) -> Parameter:
    """One parameter object as shown."""
    schema = raw.get("schema") or {}
    default = schema.get("default")
    return Parameter(
        name=str(raw.get("name", "")),
        where=str(raw.get("in", "")),
        type=schema_type(schema),
        required=bool(raw.get("required", False)),
        default="" if default is None else str(default),
        description=str(raw.get("description", "")),
    )


def _answers(responses: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """(status, description, body type) of each answer of an operation."""
    out = []
    for status, answer in sorted(responses.items()):
        content = (answer or {}).get("content") or {}
        body = (content.get("application/json") or {}).get("schema")
        out.append(
            (status, str((answer or {}).get("description", "")), schema_type(body) if body else "")
        )
    return tuple(out)


def docs_page(openapi: dict[str, Any]) -> DocsPage:
    """The documentation page of an OpenAPI document.

    Args:
        openapi: The app's schema (``app.openapi()``).

    Returns:
        Its endpoints in the schema's order and its models by name.
    """
    endpoints = []
    for path, item in (openapi.get("paths") or {}).items():
        for method, op in item.items():
            description = str(op.get("description", ""))
            endpoints.append(
                Endpoint(
                    anchor=str(op.get("operationId", f"{method}-{path}")),
                    method=method.upper(),
                    path=path,
                    summary=first_line(description) or str(op.get("summary", "")),
                    description=description.strip(),
                    parameters=tuple(_parameter(p) for p in op.get("parameters") or ()),
                    answers=_answers(op.get("responses") or {}),
                )
            )
    models = []
    schemas = (openapi.get("components") or {}).get("schemas") or {}
    for name, schema in sorted(schemas.items()):
        required = set(schema.get("required") or ())
        models.append(
            Model(
                name=name,
                description=str(schema.get("description", "")),
                fields=tuple(
                    Field(
                        field,
                        schema_type(value),
                        field in required,
                        str(value.get("description", "")),
                    )
                    for field, value in (schema.get("properties") or {}).items()
                ),
            )
        )
    info = openapi.get("info") or {}
    return DocsPage(
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),
        description=str(info.get("description", "")),
        endpoints=tuple(endpoints),
        models=tuple(models),
    )
