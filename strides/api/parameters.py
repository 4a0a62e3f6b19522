"""Query-string parameters: an API endpoint accepts exactly those its OpenAPI operation declares.

What an operation declares is read from the same place the published schema is: drf-spectacular's
view of the operation (its filterset's fields on lists, its paginator's ``page`` / ``page_size``,
the parameters of ``@extend_schema``, ``format`` where there is more than one renderer). A view
left out of the schema (the schema itself, the API root) lists its own in ``query_parameters``.

Any other parameter answers 400, naming each unknown one and listing the accepted ones, so a typo
or a parameter of another endpoint (``?dimension=`` for ``?group=``) is never silently ignored.
:class:`CheckedParametersMixin` does this for every view of the API (``StridesApiMixin`` includes
it); ``strides/api/tests/test_parameters.py`` requests every API route with ``?nonsense=1`` and
checks that what is accepted is what the schema documents.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import ComponentRegistry
from rest_framework import exceptions
from rest_framework.request import Request

UNKNOWN = "unknown_parameters"

_declared: dict[tuple[Any, str], frozenset[str]] = {}


class UnknownParameters(exceptions.ValidationError):
    """400: the query string names parameters the endpoint does not take. ``accepted`` is what it
    does take (shown in the answer as ``accepted``)."""

    def __init__(self, unknown: dict[str, str], accepted: frozenset[str]) -> None:
        self.accepted = sorted(accepted)
        if self.accepted:
            takes = "This endpoint accepts: " + ", ".join(self.accepted) + "."
        else:
            takes = "This endpoint takes no query parameters."
        super().__init__({name: [f"Unknown parameter {name!r}. {takes}"] for name in sorted(unknown)})


def accepted_parameters(view: Any, request: Request) -> frozenset[str]:
    """The query parameters the operation of ``view`` for ``request.method`` declares."""
    match = getattr(request, "resolver_match", None)
    callback = match.func if match is not None else None
    if getattr(callback, "cls", None) is not type(view):
        # a view called without the URLconf (tests): what as_view() would have recorded
        callback = SimpleNamespace(cls=type(view), initkwargs={}, actions=getattr(view, "action_map", None))
    method = "GET" if request.method == "HEAD" else request.method
    key = (callback if match is not None else type(view), method)
    names = _declared.get(key)
    if names is None:
        names = _declared[key] = _from_schema(callback, method)
        if names is None:
            names = _declared[key] = frozenset(getattr(view, "query_parameters", ()))
    return names


def _from_schema(callback: Any, method: str) -> frozenset[str] | None:
    """The operation's query parameters as drf-spectacular documents them (None: not in the
    schema), worked out as its generator does for one endpoint."""
    generator = SchemaGenerator()  # keeps the view's schema alive (a weak proxy) until we are done
    view = generator.create_view(callback, method)
    schema = getattr(view, "schema", None)
    if schema is None or schema.is_excluded():
        return None
    # what get_operation() sets before it reads parameters; the path only adds path parameters
    schema.registry = ComponentRegistry()
    schema.path = schema.path_regex = schema.path_prefix = ""
    schema.method = method.upper()
    return frozenset(p["name"] for p in schema._get_parameters() if p["in"] == "query")


def check_parameters(view: Any, request: Request) -> None:
    """400 (:class:`UnknownParameters`) when the query string names a parameter the operation
    does not declare."""
    accepted = accepted_parameters(view, request)
    unknown = {name: request.query_params.get(name) for name in request.query_params if name not in accepted}
    if unknown:
        raise UnknownParameters(unknown, accepted)


class CheckedParametersMixin:
    """Refuses unknown query parameters (400) once the caller is authenticated and allowed: an
    anonymous or refused caller gets the same 401/403/404 whatever the query string says. A
    method the view does not take still answers 405."""

    query_parameters: tuple[str, ...] = ()  # for a view left out of the schema only

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        method = request.method.lower()
        if method != "options" and hasattr(self, method):
            check_parameters(self, request)
