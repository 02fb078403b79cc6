"""A year in the life of the demo fleet: loans, cleaning, inspections, repairs, transfers.

A discrete-event simulation over the planned fleet (see steps_depot.create_items). Citizens'
requests arrive per product type with a seasonal rate, more in the larger municipalities; a
request takes the longest-idle available item of the type from the municipality's own depot
or the shared one (items its own organisation owns first), sometimes from a neighbour's depot,
and waits for the next working day when none is free. Each loan then runs its course through
the state machine of depot.items.services, with the same rules: cleaning leads to inspection
unless the type only has interval inspections, a passed inspection sets the next due date,
an item due during its loan is inspected before it is reserved, and so on.

Every change is an event in time; events at or after the anchor are cut off, so the states at
the anchor are what the last remaining event of each item says.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass

from depot.demo import depot_vocabulary as dv
from depot.demo.context import DemoContext
from depot.demo.steps_depot import Fleet, _cumulative, own_depots
from depot.demo.timeline import MINUTES_PER_DAY, add_months_ordinal, seasonal_weights

# Kinds of simulation events (ordered only by time and sequence).
AVAILABLE, REQUEST, PERIODIC, TRANSFER = range(4)
MAX_WAITING_DAYS = 15
AVERAGE_TURNAROUND_DAYS = 4  # reservation, delivery, cleaning and inspection around a loan
# Requests start a little before the year, so that its first weeks get their share of loans.
LEAD_IN_DAYS = 14


@dataclass
class Loan:
    item: int
    citizen_id: int
    lender_id: int
    legal_basis: str
    started: int
    expected_end: int | None  # date ordinal
    returned: int | None = None


class History:
    """Simulates the fleet's year; the results are plain lists for the writer."""

    def __init__(self, ctx: DemoContext, fleet: Fleet, correction: float = 1.0) -> None:
        self.ctx, self.fleet, self.clock = ctx, fleet, fleet.clock
        self.rng = ctx.rng("history")
        self.end = self.clock.end
        self.n = len(fleet)
        codes = fleet.type_codes
        self.profiles = [dv.LOAN_PROFILES.get(c, dv.FALLBACK_PROFILE) for c in codes]
        planned = {code for code in dv.INSPECTION_PLANS if code in ctx.product_types}
        self.interval = [
            dv.INSPECTION_PLANS[c].interval_months if c in planned else None for c in codes
        ]
        # Cleaning leads to inspection unless the type has a plan without after-every-loan.
        self.inspect_after_loan = [
            c not in planned or dv.INSPECTION_PLANS[c].after_every_loan for c in codes
        ]
        self.max_days = [
            min(p.max_days, interval * 30 - 30) if interval else p.max_days
            for p, interval in zip(self.profiles, self.interval, strict=True)
        ]
        # Per item: simulation state.
        self.depot = list(fleet.depot)
        self.token = [0] * self.n
        self.due: list[int | None] = [None] * self.n  # date ordinal
        self.last_t = [-(10**9)] * self.n
        # Results.
        self.events: list[tuple] = []  # (t, item, kind, from, to, depot, loan index, note)
        self.loans: list[Loan] = []
        self.inspections: list[tuple] = []  # (t, item, depot, passed, note)
        self.transfers: list[tuple] = []  # (item, from depot, to depot, sent, received)
        self.kept_loans = 0
        self.lost_requests = 0
        self.loan_target = ctx.loan_count
        self.correction = correction  # on the request rate, when a first run fell short
        # Pools of available items: (depot, type) -> owner id -> FIFO of (item, token).
        self.pools: dict[tuple[int, int], dict[int, list]] = {}
        self.heap: list[tuple] = []
        self.sequence = 0
        self.type_counts = [0] * len(codes)
        for ty in fleet.type_index:
            self.type_counts[ty] += 1
        self.mean_days = [self._mean_duration(ty) for ty in range(len(codes))]
        self._organisations()

    # --- set-up ---------------------------------------------------------------------------

    def _organisations(self) -> None:
        ctx = self.ctx
        self.own = own_depots(ctx)
        self.shared = ctx.depots.index(ctx.shared_depot) if ctx.shared_depot in ctx.depots else None
        self.municipal_depots = [i for i, d in enumerate(ctx.depots) if d.owner_id is not None]
        self.municipalities = [m for m in ctx.municipalities if m.id in self.own]
        self.population_cum = _cumulative([max(m.population or 0, 1) for m in self.municipalities])
        self.region_id = ctx.region.id if ctx.region is not None else None
        citizens: dict[int, list[int]] = {}
        for citizen in ctx.citizens:
            citizens.setdefault(citizen.municipality_id, []).append(citizen.id)
        # Some citizens need much more than others.
        self.citizens = {}
        for municipality_id, ids in citizens.items():
            weights = [self.rng.lognormvariate(0, 1) for _ in ids]
            self.citizens[municipality_id] = (ids, _cumulative(weights))
        users = {}
        for user in ctx.users:
            if user.role == "depot_staff":
                users.setdefault(user.organisation_id, user.id)
        shared_staff = users.get(self.region_id)
        self.staff = [
            users.get(d.owner_id) if d.owner_id is not None else shared_staff for d in ctx.depots
        ]

    def push(self, t: int, kind: int, *data) -> None:
        self.sequence += 1
        heapq.heappush(self.heap, (t, self.sequence, kind, *data))

    # --- recording --------------------------------------------------------------------------

    def event(self, i, t, kind, from_status, to_status, loan=-1, note=None) -> int:
        """Append an item event (never before the item's previous one); returns its time."""
        if t <= self.last_t[i]:
            t = self.last_t[i] + 1
        self.last_t[i] = t
        self.events.append((t, i, kind, from_status, to_status, self.depot[i], loan, note))
        return t

    def inspect(self, i, t, from_status, passed, note=None) -> int:
        kind = "pass_inspection" if passed else "fail_inspection"
        t = self.event(i, t, kind, from_status, "available" if passed else "repair", note=note)
        self.inspections.append((t, i, self.depot[i], passed, note))
        if passed and t < self.end:
            interval = self.interval[self.fleet.type_index[i]]
            self.due[i] = (
                add_months_ordinal(self.clock.date_ordinal(t), interval) if interval else None
            )
        return t

    def repair(self, i, t) -> int | None:
        """From repair: scrapped, or repaired and inspected; the time it is available again."""
        rng = self.rng
        t = self.clock.after(t, rng, 5, 25)
        if rng.random() < dv.SCRAP_AFTER_REPAIR:
            self.event(i, t, "scrap", "repair", "scrapped", note=rng.choice(dv.SCRAP_NOTES))
            return None
        t = self.event(i, t, "repaired", "repair", "inspection", note=rng.choice(dv.REPAIR_NOTES))
        return self.inspect(i, self.clock.after(t, rng, 0, 2), "inspection", True)

    # --- one loan ---------------------------------------------------------------------------

    def duration(self, ty: int, length_biased: bool = False) -> float:
        profile = self.profiles[ty]
        mu = math.log(profile.median_days) + (profile.sigma**2 if length_biased else 0)
        days = self.rng.lognormvariate(mu, profile.sigma)
        return min(max(days, profile.min_days), self.max_days[ty])

    def legal_basis(self, ty: int, lender_id: int) -> str:
        if lender_id == self.region_id:
            return dv.REGION_LEGAL_BASIS
        weights = dv.LEGAL_BASIS_WEIGHTS[self.profiles[ty].category]
        return self.rng.choices([b for b, _ in weights], [w for _, w in weights])[0]

    def expected_end(self, lend_t: int, days: float, basis: str) -> int | None:
        if basis == dv.SEL_112 and days > 120 and self.rng.random() < 0.6:
            return None  # lent for as long as the need lasts
        planned = days * self.rng.uniform(0.7, 1.3)
        weeks = max(1, round(planned / 7))
        return self.clock.date_ordinal(lend_t) + weeks * 7

    def lend(self, i, t, lender_id, citizen_id, lend_t=None, days=None) -> int | None:
        """Reserve, lend, take back, clean, inspect; returns when the item is available again.

        `lend_t` and `days` are given for the loans already running when the year begins.
        """
        rng, clock, ty = self.rng, self.clock, self.fleet.type_index[i]
        days_given = days
        days = self.duration(ty) if days is None else days
        if lend_t is None:
            lend_t = clock.after(t, rng, 0, 4) if rng.random() < 0.8 else t + rng.randint(30, 180)
        interval = self.interval[ty]
        if interval and days_given is None:
            # Due during the loan (or overdue): inspect before it goes out.
            needed = clock.date_ordinal(lend_t) + int(days) + 14
            if self.due[i] is None or self.due[i] < needed:
                t = self.inspect(i, t, "available", True) + rng.randint(5, 40)
        t = self.event(i, t, "reserve", "available", "reserved")
        if rng.random() < dv.CANCEL_RESERVATION:
            return self.event(
                i, clock.after(t, rng, 1, 3), "cancel_reservation", "reserved", "available"
            )
        basis = self.legal_basis(ty, lender_id)
        loan_index = len(self.loans)
        lend_t = self.event(i, max(lend_t, t + 15), "lend", "reserved", "on_loan", loan_index)
        loan = Loan(i, citizen_id, lender_id, basis, lend_t, self.expected_end(lend_t, days, basis))
        self.loans.append(loan)
        if lend_t < self.end:
            self.kept_loans += 1
        back = clock.work_time(lend_t // MINUTES_PER_DAY + round(days), rng)
        back = self.event(i, max(back, lend_t + 60), "take_back", "on_loan", "returned", loan_index)
        if back < self.end:
            loan.returned = back
        return self.after_return(i, back)

    def after_return(self, i, t) -> int | None:
        rng, clock = self.rng, self.clock
        if rng.random() < dv.SCRAP_ON_RETURN:
            self.event(
                i,
                clock.after(t, rng, 0, 2),
                "scrap",
                "returned",
                "scrapped",
                note=rng.choice(dv.SCRAP_NOTES),
            )
            return None
        t = self.event(i, clock.after(t, rng, 0, 2), "start_cleaning", "returned", "cleaning")
        if rng.random() < dv.REPAIR_FROM_CLEANING:
            t = self.event(
                i,
                t + rng.randint(30, 240),
                "send_to_repair",
                "cleaning",
                "repair",
                note=rng.choice(dv.FAILURE_NOTES),
            )
            return self.repair(i, t)
        # Mostly done within hours; a thorough cleaning lasts until the next working day.
        done = t + rng.randint(60, 300) if rng.random() < 0.75 else clock.after(t, rng, 1, 1)
        if not self.inspect_after_loan[self.fleet.type_index[i]]:
            return self.event(i, done, "finish_cleaning", "cleaning", "available")
        t = self.event(i, done, "finish_cleaning", "cleaning", "inspection")
        t = clock.after(t, rng, 0, 3)
        if rng.random() < dv.FAIL_AFTER_LOAN:
            t = self.inspect(i, t, "inspection", False, note=rng.choice(dv.FAILURE_NOTES))
            return self.repair(i, t)
        return self.inspect(i, t, "inspection", True)

    # --- pools ------------------------------------------------------------------------------

    def put(self, i: int, t: int) -> None:
        """The item is available in its depot from t on."""
        key = (self.depot[i], self.fleet.type_index[i])
        self.pools.setdefault(key, {}).setdefault(self.fleet.owner[i], deque()).append(
            (i, self.token[i])
        )
        self.schedule_periodic(i, t)

    def back(self, i: int, t: int | None) -> None:
        if t is not None and t < self.end:
            self.push(t, AVAILABLE, i)

    def take(self, depot: int, ty: int, owner: int | None) -> int | None:
        """The longest-idle available item of the type in the depot, the owner's own first."""
        owners = self.pools.get((depot, ty))
        if not owners:
            return None
        order = list(owners)
        if owner in owners:
            order.remove(owner)
            order.insert(0, owner)
        for key in order:
            queue = owners[key]
            while queue:
                i, token = queue.popleft()
                if token == self.token[i]:
                    self.token[i] += 1
                    return i
        return None

    def schedule_periodic(self, i: int, now: int) -> None:
        due = self.due[i]
        if due is None or not self.interval[self.fleet.type_index[i]]:
            return
        rng, clock = self.rng, self.clock
        due_day = due - clock.start_ordinal
        if rng.random() < dv.MISSED_INSPECTION:
            day = due_day + rng.randint(10, 90)
        else:
            day = due_day - rng.randint(0, 21)
        t = (
            clock.work_time(day, rng)
            if day > now // MINUTES_PER_DAY
            else clock.after(now, rng, 1, 10)
        )
        if t < self.end:
            self.push(t, PERIODIC, i, self.token[i])

    # --- processing -------------------------------------------------------------------------

    def periodic(self, t: int, i: int, token: int) -> None:
        if token != self.token[i]:
            return  # lent, transferred or inspected since
        if self.rng.random() >= dv.FAIL_PERIODIC:
            self.inspect(i, t, "available", True)
            self.schedule_periodic(i, t)
            return
        self.token[i] += 1  # leaves the pool
        t = self.inspect(i, t, "available", False, note=self.rng.choice(dv.FAILURE_NOTES))
        self.back(i, self.repair(i, t))

    def request(self, t: int, municipality: int | None, ty: int, tries: int) -> None:
        """A citizen of the municipality (None: a region patient) needs an item of the type."""
        if self.loan_target is not None and self.kept_loans >= self.loan_target:
            return
        rng = self.rng
        if municipality is None:
            lender_id = self.region_id
            candidates = [self.shared]
            home = self.municipalities[
                bisect_left(self.population_cum, rng.random() * self.population_cum[-1])
            ].id
        else:
            lender_id = home = municipality
            own = self.own[municipality]
            candidates = (
                [self.shared, *own] if rng.random() < dv.SHARED_FIRST else [*own, self.shared]
            )
            if rng.random() < dv.ASK_NEIGHBOUR and len(self.municipal_depots) > len(own):
                others = [d for d in self.municipal_depots if d not in own]
                candidates.append(rng.choice(others))
        for depot in candidates:
            if depot is None:
                continue
            i = self.take(depot, ty, lender_id)
            if i is not None:
                break
        else:
            if tries < MAX_WAITING_DAYS:
                next_t = self.clock.work_time(t // MINUTES_PER_DAY + 1, rng)
                self.push(next_t, REQUEST, municipality, ty, tries + 1)
            else:
                self.lost_requests += 1
            return
        ids, cum = self.citizens[home]
        citizen_id = ids[bisect_left(cum, rng.random() * cum[-1])]
        self.back(i, self.lend(i, t, lender_id, citizen_id))

    def transfer(self, t: int) -> None:
        """Depot staff move an available item to where it is needed more."""
        rng = self.rng
        if self.shared is not None and (rng.random() < 0.6 or not self.municipal_depots):
            source = self.shared
        elif self.municipal_depots:
            source = rng.choice(self.municipal_depots)
        else:
            return
        if source == self.shared:
            targets = self.municipal_depots
        elif self.shared is not None and rng.random() < 0.5:
            targets = [self.shared]
        else:
            targets = [d for d in self.municipal_depots if d != source]
        if not targets:
            return
        target = rng.choice(targets)
        for _ in range(8):
            i = self.take(source, rng.randrange(len(self.profiles)), None)
            if i is not None:
                break
        else:
            return
        note = rng.choice(dv.TRANSFER_NOTES)
        sent = self.event(i, t, "send_transfer", "available", "in_transit", note=note)
        self.depot[i] = target
        arrived = self.event(
            i, self.clock.after(sent, rng, 1, 3), "receive_transfer", "in_transit", "available"
        )
        self.transfers.append((i, source, target, sent, arrived))
        self.back(i, arrived)

    # --- the year ---------------------------------------------------------------------------

    def run(self) -> None:
        self._start()
        self._requests()
        self._transfers()
        while self.heap:
            t, _, kind, *data = heapq.heappop(self.heap)
            if t >= self.end:
                break
            if kind == AVAILABLE:
                self.put(data[0], t)
            elif kind == REQUEST:
                self.request(t, *data)
            elif kind == PERIODIC:
                self.periodic(t, *data)
            else:
                self.transfer(t)

    def _loan_scale(self) -> float:
        """1 by default; with an exact loan count, the factor that makes that many loans."""
        if self.loan_target is None:
            return 1.0
        fleet = self.fleet
        opening = sum(
            self._opening_probability(ty)
            for ty, received in zip(fleet.type_index, fleet.received, strict=True)
            if received < 0
        )
        expected = opening + sum(self._arrivals(ty) for ty in range(len(self.profiles)))
        # Some reservations are cancelled, some loans would start after the anchor.
        buffer = 1.02 / (1 - dv.CANCEL_RESERVATION)
        return self.loan_target * buffer * self.correction / expected if expected else 0.0

    def _opening_probability(self, ty: int) -> float:
        return self.profiles[ty].utilisation

    def _arrivals(self, ty: int) -> float:
        """Expected requests for the type in the year: Little's law on the target utilisation."""
        profile = self.profiles[ty]
        turnaround = self.mean_days[ty] + AVERAGE_TURNAROUND_DAYS
        days = self.clock.days + LEAD_IN_DAYS
        return profile.utilisation * self.type_counts[ty] / turnaround * days

    def _mean_duration(self, ty: int) -> float:
        """The mean loan duration of the type (by sampling: the distribution is clipped)."""
        rng, profile = random.Random(f"{self.ctx.seed}:durations:{ty}"), self.profiles[ty]
        mu = math.log(profile.median_days)
        draws = [
            min(max(rng.lognormvariate(mu, profile.sigma), profile.min_days), self.max_days[ty])
            for _ in range(2_000)
        ]
        return sum(draws) / len(draws)

    def _start(self) -> None:
        """Receipts; at the start of the year the older items are available or already lent."""
        rng, clock = self.rng, self.clock
        self.scale = self._loan_scale()
        fleet = self.fleet
        for i in range(self.n):
            received = fleet.received[i]
            self.event(i, received, "received", None, "available")
            ty = fleet.type_index[i]
            interval = self.interval[ty]
            if received >= 0:
                if interval:
                    self.due[i] = add_months_ordinal(clock.date_ordinal(received), interval)
                self.push(received, AVAILABLE, i)
                continue
            if interval:
                self.due[i] = clock.start_ordinal + rng.randrange(interval * 30)
            if rng.random() >= min(0.95, self._opening_probability(ty) * self.scale):
                self.put(i, 0)
                continue
            # Lent before the year began (longer loans are more likely to still be running).
            days = self.duration(ty, length_biased=True)
            idle_days = -received // MINUTES_PER_DAY - 7
            elapsed = min(rng.random() * days, idle_days)
            if elapsed < 1:
                self.put(i, 0)
                continue
            lend_t = clock.work_time(-math.ceil(elapsed), rng)
            if lend_t >= 0:
                lend_t = -rng.randint(60, MINUTES_PER_DAY)
            reserve_t = max(received + 60, lend_t - rng.randint(60, 3 * MINUTES_PER_DAY))
            if interval:
                back_day = clock.date_ordinal(lend_t) + int(days) + 14
                self.due[i] = max(self.due[i], back_day)
            lender = fleet.owner[i]  # lent by the owner, region items to any municipality's
            home = lender if lender in self.citizens else self._random_municipality()
            ids, cum = self.citizens[home]
            citizen_id = ids[bisect_left(cum, rng.random() * cum[-1])]
            self.back(i, self.lend(i, reserve_t, lender, citizen_id, lend_t=lend_t, days=days))

    def _random_municipality(self) -> int:
        point = self.rng.random() * self.population_cum[-1]
        return self.municipalities[bisect_left(self.population_cum, point)].id

    def _requests(self) -> None:
        rng, clock = self.rng, self.clock
        municipalities = [m.id for m in self.municipalities]
        for ty, profile in enumerate(self.profiles):
            expected = self._arrivals(ty) * self.scale
            count = int(expected) + (rng.random() < expected - int(expected))
            if not count:
                continue
            weights = seasonal_weights(clock, profile.season, profile.peak_month, -LEAD_IN_DAYS)
            days_cum = _cumulative(weights)
            days = rng.choices(range(-LEAD_IN_DAYS, clock.days), cum_weights=days_cum, k=count)
            for day in days:
                if self.region_id is not None and rng.random() < dv.REGION_DEMAND_SHARE:
                    municipality = None
                else:
                    point = rng.random() * self.population_cum[-1]
                    municipality = municipalities[bisect_left(self.population_cum, point)]
                self.push(clock.work_time(day, rng), REQUEST, municipality, ty, 0)

    def _transfers(self) -> None:
        rng, clock = self.rng, self.clock
        count = max(2, round(self.n * dv.TRANSFERS_PER_1000_ITEMS / 1000))
        for _ in range(count - 2):
            self.push(clock.work_time(rng.randrange(clock.days), rng), TRANSFER)
        # Two sent on the last working day: still in transit at the anchor.
        last = clock.days - 1
        while clock.weekday(last) >= 5:
            last -= 1
        for _ in range(2):
            self.push(clock.work_time(last, rng), TRANSFER)
