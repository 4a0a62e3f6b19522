from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from strides.access.rules import PUBLIC, SIGNED_IN, access_rule


class LoginView(auth_views.LoginView):
    access = PUBLIC
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    access = PUBLIC


@access_rule(SIGNED_IN)
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/two_factor_setup.html", {})


@access_rule(SIGNED_IN)
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/two_factor_verify.html", {})
