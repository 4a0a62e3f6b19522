"""Two-factor sign-in with real TOTP codes: enrol, verify, backup codes, reset, and when it is
required (production settings) or not (demo)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from strides.accounts import security
from strides.accounts.tests.helpers import code_for, enrol, sign_in
from strides.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:two_factor_setup")
VERIFY = reverse("accounts:two_factor_verify")
MANAGE = reverse("accounts:two_factor")
USERS = reverse("accounts_manage:list")


def test_setup_page_shows_a_qr_code_and_the_secret(client, cast):
    sign_in(client, cast.teacher, cast.password)
    response = client.get(SETUP)
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=cast.teacher, confirmed=False)
    html = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    assert security.secret_for_display(device) in html
    # the same pending device (and QR code) on a second visit
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=cast.teacher).count() == 1


def test_a_wrong_code_is_refused_naming_the_code(client, cast):
    sign_in(client, cast.teacher, cast.password)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=cast.teacher)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert f"The code {wrong} is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_a_malformed_code_gets_a_clear_message(client, cast):
    sign_in(client, cast.teacher, cast.password)
    response = client.post(SETUP, {"code": "12ab"})
    html = response.content.decode()
    assert "A code is six digits" in html
    assert 'href="#id_code"' in html and "“12ab”" in html


def test_enrolment_confirms_the_device_signs_the_session_in_and_shows_backup_codes(client, cast):
    sign_in(client, cast.teacher, cast.password)
    codes = enrol(client, cast.teacher)
    assert len(codes) == security.BACKUP_CODE_COUNT == len(set(codes))
    assert TOTPDevice.objects.get(user=cast.teacher).confirmed
    assert StaticToken.objects.filter(device__user=cast.teacher).count() == len(codes)
    entry = AuditEntry.objects.get(reason="two-factor enrolled")
    assert entry.actor == cast.teacher
    device = TOTPDevice.objects.get(user=cast.teacher)
    assert device.key not in str(entry.after) and not any(code in str(entry.after) for code in codes)
    # the session is verified: the manage page says so and offers new backup codes
    response = client.get(MANAGE)
    assert response.context["verified"] is True
    assert response.context["backup_codes_left"] == len(codes)


def test_setup_again_when_enrolled_goes_to_the_manage_page(client, cast):
    sign_in(client, cast.teacher, cast.password)
    enrol(client, cast.teacher)
    assert client.get(SETUP)["Location"] == MANAGE


def test_sign_in_with_a_device_asks_for_a_code_then_lets_in(client, cast):
    sign_in(client, cast.teacher, cast.password)
    enrol(client, cast.teacher)
    client.post(reverse("accounts:logout"))

    response = sign_in(client, cast.teacher, cast.password, "/accounts/tokens/")
    assert response["Location"] == f"{VERIFY}?next=%2Faccounts%2Ftokens%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'name="next" value="/accounts/tokens/"' in page.content.decode()

    device = TOTPDevice.objects.get(user=cast.teacher)
    refused = client.post(VERIFY, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert refused.status_code == 200 and "is not right" in refused.content.decode()
    device.throttle_reset()

    good = code_for(device)
    response = client.post(VERIFY, {"code": good, "next": "/accounts/tokens/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/tokens/"
    assert client.get("/accounts/tokens/").status_code == 200
    # a code works once only
    client.post(reverse("accounts:logout"))
    sign_in(client, cast.teacher, cast.password)
    assert client.post(VERIFY, {"code": good}).status_code == 200


def test_too_many_wrong_codes_are_throttled(client, cast):
    sign_in(client, cast.teacher, cast.password)
    enrol(client, cast.teacher)
    client.post(reverse("accounts:logout"))
    sign_in(client, cast.teacher, cast.password)
    device = TOTPDevice.objects.get(user=cast.teacher)
    device.throttling_failure_count = 6
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    response = client.post(VERIFY, {"code": code_for(device)})
    assert "Too many wrong codes" in response.content.decode()
    assert not response.wsgi_request.user.is_verified()


def test_backup_codes_work_once_each(client, cast):
    sign_in(client, cast.teacher, cast.password)
    codes = enrol(client, cast.teacher)
    client.post(reverse("accounts:logout"))

    sign_in(client, cast.teacher, cast.password)
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert security.backup_codes_left(cast.teacher) == len(codes) - 1
    client.post(reverse("accounts:logout"))

    sign_in(client, cast.teacher, cast.password)
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200
    assert f"The code {codes[0]} is not right" in response.content.decode()


def test_new_backup_codes_replace_the_old_ones_and_need_a_verified_session(client, cast):
    sign_in(client, cast.teacher, cast.password)
    old = enrol(client, cast.teacher)
    response = client.post(reverse("accounts:two_factor_backup_codes"))
    new = response.context["codes"]
    assert set(new).isdisjoint(old)
    stored = StaticToken.objects.filter(device__user=cast.teacher).values_list("token", flat=True)
    assert set(stored) == set(new)
    assert AuditEntry.objects.filter(reason="backup codes replaced", actor_id=cast.teacher.pk).exists()

    client.post(reverse("accounts:logout"))
    client.force_login(cast.teacher)  # password only: not verified
    response = client.post(reverse("accounts:two_factor_backup_codes"))
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_reset_needs_a_verified_session_then_removes_everything(client, cast):
    sign_in(client, cast.teacher, cast.password)
    enrol(client, cast.teacher)
    client.post(reverse("accounts:logout"))
    client.force_login(cast.teacher)
    assert client.get(reverse("accounts:two_factor_reset"))["Location"].startswith(VERIFY)

    client.post(VERIFY, {"code": code_for(TOTPDevice.objects.get(user=cast.teacher))})
    assert client.get(reverse("accounts:two_factor_reset")).status_code == 200
    response = client.post(reverse("accounts:two_factor_reset"))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.teacher).exists()
    assert security.backup_codes_left(cast.teacher) == 0
    assert AuditEntry.objects.filter(reason="two-factor reset", actor_id=cast.teacher.pk).exists()


@override_settings(STRIDES_REQUIRE_2FA=True)
def test_production_requires_two_factor_for_staff_who_see_pupils(client, cast):
    sign_in(client, cast.head, cast.password)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2F"
    # the two-factor pages themselves stay open
    setup_page = client.get(response["Location"])
    assert setup_page.status_code == 200
    assert "can see pupil data" in setup_page.content.decode()

    enrol(client, cast.head)
    assert client.get(USERS).status_code == 200

    # next time: password, then the code, then in
    client.post(reverse("accounts:logout"))
    sign_in(client, cast.head, cast.password)
    assert client.get(USERS)["Location"] == f"{VERIFY}?next={quote(USERS, safe='')}"
    client.post(VERIFY, {"code": code_for(TOTPDevice.objects.get(user=cast.head))})
    assert client.get(USERS).status_code == 200


@override_settings(STRIDES_REQUIRE_2FA=True)
def test_production_does_not_require_it_for_aggregate_only_roles(client, cast):
    sign_in(client, cast.governor, cast.password)
    assert client.get("/").status_code == 200


@override_settings(STRIDES_REQUIRE_2FA=True)
def test_production_tokens_page_needs_two_factor_even_under_accounts(client, cast):
    sign_in(client, cast.teacher, cast.password)
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


@override_settings(STRIDES_REQUIRE_2FA=False, STRIDES_DEMO_BANNER=True)
def test_demo_mode_does_not_require_two_factor_and_says_so(client, cast):
    sign_in(client, cast.head, cast.password)
    response = client.get(USERS)
    assert response.status_code == 200
    assert "Two-factor sign-in is not required here" in response.content.decode()
    assert "not required in this installation" in client.get(MANAGE).content.decode()


@override_settings(STRIDES_REQUIRE_2FA=False)
def test_anyone_enrolled_must_verify_even_where_two_factor_is_optional(client, cast):
    sign_in(client, cast.head, cast.password)
    enrol(client, cast.head)
    client.logout()
    sign_in(client, cast.head, cast.password)
    response = client.get(USERS)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


@override_settings(STRIDES_REQUIRE_2FA=True)
def test_the_next_address_keeps_its_whole_query_string(client, cast):
    sign_in(client, cast.teacher, cast.password)
    response = client.get("/pupils/search/?q=ava&page=2")
    assert response["Location"] == f"{SETUP}?next=%2Fpupils%2Fsearch%2F%3Fq%3Dava%26page%3D2"
