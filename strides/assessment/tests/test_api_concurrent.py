"""No lost update under real concurrency: two people save the same cell at the same moment.

Two threads, each with its own database connection and its own transaction, send a save of the
same judgement against the same version through the API, released together by a barrier. The
service holds the first one inside its transaction for a moment (after it has written the
judgement, so its row is locked), so the second really arrives while the first is in flight and
has to wait for that lock. Exactly one wins; the other gets 409 showing the winner's value, and the
history has exactly the winner's revision. PostgreSQL only (``scripts/with-postgres.sh``): SQLite
has one writer at a time.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from strides.accounts.services import create_api_token
from strides.assessment.models import Judgement, JudgementRevision
from strides.assessment.services import record_judgement, recording

HOLD_SECONDS = 0.5

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: real concurrent transactions"
    ),
]


def client_for(user) -> APIClient:
    _, secret = create_api_token(None, user, "concurrency")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seen_version", [0, 1], ids=["first-save", "change"])
def test_concurrent_saves_of_one_cell_one_wins_the_other_is_told(
    cast, drop, subjects, level, monkeypatch, seen_version
):
    if seen_version == 1:
        record_judgement(
            cast.teacher, cast.ava, subjects["reading"], drop, cast.north, level("Y3 WTS"), expected_version=0
        )
    audited = recording.record_many

    def held(*args, **kwargs):
        # inside the saving transaction, after the judgement is written (its row locked) and, for
        # a first save, the drop's part locked for update
        time.sleep(HOLD_SECONDS)
        return audited(*args, **kwargs)

    monkeypatch.setattr(recording, "record_many", held)
    savers = {"teacher": (client_for(cast.teacher), "Y3 EXS"), "ta": (client_for(cast.ta), "Y3 GDS")}
    barrier = threading.Barrier(len(savers))
    answers: dict[str, tuple[int, dict, float]] = {}
    failures: list[BaseException] = []

    def save(name: str) -> None:
        client, code = savers[name]
        payload = {
            "pupil": cast.ava.pk,
            "subject": "reading",
            "drop": drop.slug,
            "level": code,
            "version": seen_version,
        }
        try:
            barrier.wait(timeout=10)
            started = time.monotonic()
            response = client.post("/api/v1/judgements/", payload, format="json")
            answers[name] = (response.status_code, response.json(), time.monotonic() - started)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=save, args=(name,)) for name in savers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a save never finished"
    assert not failures, failures

    statuses = sorted(status for status, _, _ in answers.values())
    assert statuses == [200 if seen_version else 201, 409], answers
    winner = next(name for name, (status, _, _) in answers.items() if status != 409)
    loser = next(name for name in answers if name != winner)
    winning_code = savers[winner][1]
    _, conflict, loser_took = answers[loser]
    # the loser really waited for the winner's transaction (on the judgement's row, or on the
    # part's lock for a first save) through the winner's hold, then was shown both values
    assert loser_took >= HOLD_SECONDS * 0.9, answers
    assert conflict["current"]["level"]["code"] == winning_code
    assert conflict["current"]["version"] == seen_version + 1
    assert conflict["attempted"]["level"] == savers[loser][1]

    judgement = Judgement.objects.get(pupil=cast.ava, subject=subjects["reading"], drop=drop)
    assert judgement.level.code == winning_code and judgement.version == seen_version + 1
    revisions = list(JudgementRevision.objects.filter(judgement=judgement).order_by("version"))
    expected = [(None, "Y3 WTS"), ("Y3 WTS", winning_code)] if seen_version else [(None, winning_code)]
    assert [(r.level_before and r.level_before.code, r.level_after.code) for r in revisions] == expected
