"""Requests refused before any view runs."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

NUL = "\x00"


class RefuseNulCharacters:
    """A NUL character in an address or its parameters is never a real page, filter or search:
    PostgreSQL cannot even compare text with one (SQLite can), so without this a view that looks a
    value up would answer 500 on one engine and 404 on the other. Refused here once, with a 400
    naming the parameter, for every page and endpoint. (Posted forms need nothing: Django's form fields
    already refuse NUL with a message on the field.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path:
            return self.refuse(request, "The address contains a NUL character, which no address can have.")
        for name, values in request.GET.lists():
            if NUL in name or any(NUL in value for value in values):
                shown = name.replace(NUL, "\\0")
                message = f"The address's parameter “{shown}” contains a NUL character, which no value has."
                return self.refuse(request, message)
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return render(request, "errors/400.html", {"message": message}, status=400)
