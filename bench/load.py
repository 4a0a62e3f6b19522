"""Load drivers shared by the grid and dashboard benchmarks: simulated users as threads, each with
its own keep-alive connection, in a closed loop (back to back) or an open loop (by the clock), the
percentile maths, and the report's goal tables.

Why two loops. A **closed loop** sends the next request when the last answer arrives: it finds
the ceiling (requests per second at saturation) but lowers its own offered rate as the server
slows, so its latencies hide the queue a real crowd would build. An **open loop** sends on a
schedule fixed in advance (each user about every ``interval`` seconds, jittered), whatever the
answers do: a slow answer does not lower the offered rate. Its latency is measured from the
*scheduled* send time (what the person waits, queueing in the client included, so coordinated
omission is not hidden) and, for reference, from the actual send.
"""

from __future__ import annotations

import http.client
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

U = TypeVar("U")
# one request by one user: (connection, user, n) -> a failure message, or None when it was right
Step = Callable[[http.client.HTTPConnection, Any, int], "str | None"]


class LoadError(RuntimeError):
    pass


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile by linear interpolation between the closest ranks (numpy's default),
    NaN for no values. Nearest-rank would jump between samples on small phases."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = p / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Phase:
    """One phase of load: the latencies of the right answers, the failures and the wall time."""

    name: str
    latencies: list[float] = field(default_factory=list)  # seconds; open loop: from the schedule
    service: list[float] = field(default_factory=list)  # seconds from the actual send
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0
    timed_out: bool = False
    offered_per_second: float = 0.0  # open loop only
    late: int = 0  # open loop: sends that left more than 10 ms after their scheduled time
    unsent: int = 0  # open loop: sends still waiting when the phase's grace ran out (none, ideally)

    @property
    def count(self) -> int:
        return len(self.latencies)

    def percentile(self, p: float) -> float:
        return percentile(self.latencies, p)

    def service_percentile(self, p: float) -> float:
        return percentile(self.service, p)

    @property
    def throughput(self) -> float:
        return self.count / self.wall if self.wall else 0.0


def request(
    connection: http.client.HTTPConnection, method: str, path: str, body: str | None, headers: dict
) -> tuple[int, bytes, http.client.HTTPResponse]:
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read(), response


# what a reused keep-alive connection the server has already closed looks like (gunicorn closes
# one idle for 2 s; a browser talks to nginx, which keeps it for 75 s): a browser sends again on a
# new connection, and so do the simulated users, once
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


def _attempt(
    connection: http.client.HTTPConnection, port: int, step: Step, user: Any, n: int
) -> tuple[str | None, http.client.HTTPConnection]:
    """One request; a stale connection is replaced and the request sent again once; any other
    broken connection is a failure, and is replaced for the next request."""
    for retry in (True, False):
        try:
            return step(connection, user, n), connection
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            if not (retry and isinstance(error, _STALE)):
                return f"{type(error).__name__}: {error}", connection
    raise AssertionError("unreachable")


def reconnecting(step: Step) -> Step:
    """``step``, then the connection closed: the next request opens a new one, which any worker
    may accept. A keep-alive connection stays with one gunicorn worker, so a warm-up without this
    would warm each person's page in one worker only, and 'warm' would depend on luck."""

    def run(connection: http.client.HTTPConnection, user: Any, n: int) -> str | None:
        try:
            return step(connection, user, n)
        finally:
            connection.close()  # http.client opens a new one for the next request

    return run


def closed_loop(
    users: Sequence[Any], port: int, each: int, limit: float, step: Step, name: str = ""
) -> Phase:
    """Every user's thread runs ``step`` ``each`` times back to back, all starting together; the
    phase stops early at ``limit`` seconds (and says so)."""
    phase = Phase(name)
    lock = threading.Lock()
    start = threading.Barrier(len(users) + 1)
    deadline = [0.0]

    def worker(user: Any) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        try:
            for n in range(each):
                if time.perf_counter() > deadline[0]:
                    with lock:
                        phase.timed_out = True
                    return
                began = time.perf_counter()
                problem, connection = _attempt(connection, port, step, user, n)
                took = time.perf_counter() - began
                with lock:
                    if problem is None:
                        phase.latencies.append(took)
                        phase.service.append(took)
                    else:
                        phase.failures.append(problem)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(u,), daemon=True) for u in users]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + limit
    start.wait()
    for thread in threads:
        thread.join(limit + 90)
    phase.wall = time.perf_counter() - began
    return phase


def schedule(users: int, interval: float, duration: float, jitter: float, seed: int) -> list[list[float]]:
    """Each user's send times, in seconds from the start: the first uniformly within the first
    interval (so users do not arrive in step), then one every ``interval`` x U(1 - jitter,
    1 + jitter), every send before ``duration``. The offered rate is about users / interval."""
    rng = random.Random(seed)
    times: list[list[float]] = []
    for _ in range(users):
        at = rng.uniform(0, interval)
        mine = []
        while at < duration:
            mine.append(at)
            at += interval * rng.uniform(1 - jitter, 1 + jitter)
        times.append(mine)
    return times


def open_loop(
    users: Sequence[Any],
    port: int,
    interval: float,
    duration: float,
    step: Step,
    *,
    name: str = "",
    jitter: float = 0.5,
    seed: int = 1,
    grace: float = 60.0,
) -> Phase:
    """Each user sends on their own schedule (``schedule``): when an answer comes back after the
    next send was due, that send leaves at once and its latency counts from when it was due. A
    user's sends still go one at a time on their connection, as a browser's grid saves do."""
    plan = schedule(len(users), interval, duration, jitter, seed)
    phase = Phase(name, offered_per_second=sum(map(len, plan)) / duration)
    lock = threading.Lock()
    start = threading.Barrier(len(users) + 1)
    origin = [0.0]
    stop_at = [0.0]

    def worker(user: Any, times: list[float]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        try:
            for n, offset in enumerate(times):
                due = origin[0] + offset
                now = time.perf_counter()
                if now > stop_at[0]:
                    # a server too slow to catch up: what was never sent counts against it
                    with lock:
                        phase.timed_out = True
                        phase.unsent += len(times) - n
                    return
                if due > now:
                    time.sleep(due - now)
                sent = time.perf_counter()
                problem, connection = _attempt(connection, port, step, user, n)
                done = time.perf_counter()
                with lock:
                    if sent - due > 0.010:
                        phase.late += 1
                    if problem is None:
                        phase.latencies.append(done - due)
                        phase.service.append(done - sent)
                    else:
                        phase.failures.append(problem)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(u, t), daemon=True) for u, t in zip(users, plan, strict=True)
    ]
    for thread in threads:
        thread.start()
    origin[0] = time.perf_counter() + 0.05  # every thread is waiting at the barrier by then
    stop_at[0] = origin[0] + duration + grace
    start.wait()
    for thread in threads:
        thread.join(duration + grace + 90)
    phase.wall = time.perf_counter() - origin[0]
    return phase


# --- the report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    """A goal of the issue for one figure: its words and whether a value meets it."""

    text: str
    met: Callable[[float], bool]


def below(limit: float, unit: str, what: str = "") -> Goal:
    return Goal(f"{what}< {limit:g} {unit}".strip(), lambda value: value < limit)


def at_most(limit: float, unit: str, what: str = "") -> Goal:
    return Goal(f"{what}≤ {limit:g}{unit}".strip(), lambda value: value <= limit)


def at_least(limit: float, unit: str, what: str = "") -> Goal:
    return Goal(f"{what}≥ {limit:g}{unit}".strip(), lambda value: value >= limit)


@dataclass(frozen=True)
class Measure:
    """One row of one engine's results: the figure as written, and the value its goal judges."""

    label: str
    figure: str
    value: float | None = None
    goal: Goal | None = None


def ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "n/a"
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def p50_p95_p99(phase: Phase) -> str:
    return f"{ms(phase.percentile(50))} / **{ms(phase.percentile(95))}** / {ms(phase.percentile(99))}"


def _verdict(measure: Measure | None) -> tuple[str, str, str]:
    if measure is None:
        return "not run", "", ""
    if measure.goal is None:
        return measure.figure, "", ""
    if measure.value is None or math.isnan(measure.value):
        return measure.figure, measure.goal.text, "**not measured**"
    return measure.figure, measure.goal.text, "met" if measure.goal.met(measure.value) else "**not met**"


def engine_table(results: dict[str, list[Measure]]) -> str:
    """One Markdown table: a row per measure, for each engine its figure, the goal and whether it
    was met. Rows keep the first engine's order; a row only one engine has is blank for the other."""
    labels: list[str] = []
    for measures in results.values():
        for measure in measures:
            if measure.label not in labels:
                labels.append(measure.label)
    engines = list(results)
    head = "| measure | " + " | ".join(f"{e} | goal | met?" for e in engines) + " |"
    rule = "|---|" + "---|---|---|" * len(engines)
    lines = [head, rule]
    for label in labels:
        cells: list[str] = []
        for engine in engines:
            found = next((m for m in results[engine] if m.label == label), None)
            cells.extend(_verdict(found))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def goals_summary(results: dict[str, list[Measure]]) -> str:
    """'N of M goals met' per engine, for the section's first line."""
    parts = []
    for engine, measures in results.items():
        if any(m.label == "failed" for m in measures):
            parts.append(f"{engine}: **failed**")
            continue
        judged = [
            m for m in measures if m.goal is not None and m.value is not None and not math.isnan(m.value)
        ]
        met = sum(1 for m in judged if m.goal is not None and m.goal.met(m.value or 0.0))
        parts.append(f"{engine}: {met} of {len(judged)} goals met")
    return "; ".join(parts)
