"""JSON errors for the API: every refusal names the field and the value that was sent.

A validation error answers 400 with::

    {"detail": "1 field has a problem.",
     "errors": [{"field": "upn", "value": "A123", "message": "A UPN has 13 characters; ..."}]}

A query parameter the endpoint does not take is such an error (``strides.api.parameters``), one
entry per unknown parameter, with ``"accepted"``: the parameters the endpoint does take.

Other errors keep DRF's ``{"detail": "..."}``. Errors raised by services (which know nothing of
HTTP) are turned into field errors by :func:`service_errors`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from strides.api.parameters import UnknownParameters

logger = logging.getLogger("strides.api")

WHOLE_REQUEST = "non_field_errors"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    response = exception_handler(exc, context)
    if response is None:
        # Not an API error: log it for the operators and answer without a traceback.
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            {"detail": "Something went wrong on our side. The error has been logged."},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        request = context.get("request")
        errors = list(_flatten(response.data, (), _sent(request)))
        count = len({e["field"] for e in errors})
        response.data = {
            "detail": f"{count} field{'s' if count != 1 else ''} {'have' if count != 1 else 'has'} a problem."
            if count
            else "The request has a problem.",
            "errors": errors,
        }
        if isinstance(exc, UnknownParameters):
            names = sorted({e["field"] for e in errors})
            plural = "s" if len(names) != 1 else ""
            response.data["detail"] = f"Unknown parameter{plural}: {', '.join(names)}."
            response.data["accepted"] = exc.accepted
    return response


def _sent(request: Any) -> dict[str, Any]:
    """What the client sent: the body for writes, the query string for reads."""
    if request is None:
        return {}
    sent: dict[str, Any] = {}
    params = getattr(request, "query_params", None)
    if params is not None:
        sent.update({key: params.get(key) for key in params})
    try:
        data = request.data
    except exceptions.ParseError:
        data = {}
    if isinstance(data, Mapping):
        sent.update({key: data[key] for key in data})
    return sent


def _flatten(detail: Any, path: tuple[str | int, ...], sent: Any) -> Iterator[dict[str, Any]]:
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            yield from _flatten(value, (*path, key), sent)
        return
    if isinstance(detail, list) and detail and not all(isinstance(d, str) for d in detail):
        for index, item in enumerate(detail):
            if item:
                yield from _flatten(item, (*path, index), sent)
        return
    messages = detail if isinstance(detail, list) else [detail]
    field = ".".join(str(p) for p in path if p != WHOLE_REQUEST) or None
    value = _value_at(sent, path) if field else None
    for message in messages:
        yield {"field": field, "value": value, "message": str(message)}


def _value_at(sent: Any, path: tuple[str | int, ...]) -> Any:
    value = sent
    for step in path:
        in_mapping = isinstance(value, Mapping) and step in value
        in_list = isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value)
        if not (in_mapping or in_list):
            return None
        value = value[step]
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


@contextmanager
def service_errors(field: str = WHOLE_REQUEST, *refusals: type[Exception]) -> Iterator[None]:
    """Turn a service's refusal into a 400 naming ``field``.

    Services speak in sentences (their app's refusal, such as ``PupilDataError`` or ``ClassError``,
    named in ``refusals``) or in Django's field errors; the view knows which field of the request
    the sentence is about: ``with service_errors("upn", PupilDataError): ...``.
    """
    try:
        yield
    except refusals as exc:
        raise exceptions.ValidationError({field: [str(exc)]}) from exc
    except DjangoValidationError as exc:
        raise exceptions.ValidationError(as_serializer_error(exc)) from exc
    except IntegrityError as exc:
        # Two requests raced for the same unique value; the first one won.
        raise exceptions.ValidationError(
            {field: ["This conflicts with a record saved a moment ago. Reload and try again."]}
        ) from exc
