"""Proposals of matching items for a request line: order, matching, exclusions, counts."""

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from depot.extensions import db
from depot.items.models import Item
from depot.organisations.models import Depot
from depot.requests import proposals
from depot.requests.services import RequestNotFound

TODAY = date(2030, 6, 1)


def place(app, depot, latitude, longitude):
    """Move a factory depot (all are made at the same spot) to its own coordinates."""
    with app.app_context():
        db.session.execute(
            update(Depot).where(Depot.id == depot.id).values(latitude=latitude, longitude=longitude)
        )
        db.session.commit()


def set_items(app, items, **values):
    with app.app_context():
        db.session.execute(update(Item).where(Item.id.in_([i.id for i in items])).values(**values))
        db.session.commit()


@pytest.fixture
def w(app, make, herning, holstebro):
    """Depots at Herning (handling), Holstebro (~35 km), Lemvig (~60 km), one unplaced."""

    class World:
        pass

    w = World()
    w.app, w.make, w.herning, w.holstebro = app, make, herning, holstebro
    w.home = make.depot(owner=herning, name="Herning depot")
    w.mid = make.depot(owner=holstebro, name="Holstebro depot")
    w.far = make.depot(owner=None, name="Lemvig depot", shares=[(herning, 50), (holstebro, 50)])
    w.nowhere = make.depot(owner=holstebro, name="Depot without coordinates")
    place(app, w.home, 56.1305, 8.9866)
    place(app, w.mid, 56.3663, 8.6239)
    place(app, w.far, 56.5558, 8.3231)
    place(app, w.nowhere, None, None)
    w.type = make.product_type(measurement_fields="seat_width_cm,max_user_weight_kg")
    w.fit = make.product(product_type=w.type, name="Fits", seat_width_cm=45, max_user_weight_kg=135)
    w.fit2 = make.product(
        product_type=w.type, name="Fits too", seat_width_cm=47, max_user_weight_kg=150
    )
    w.narrow = make.product(
        product_type=w.type, name="Narrow", seat_width_cm=40, max_user_weight_kg=135
    )
    w.unmeasured = make.product(product_type=w.type, name="Unmeasured", seat_width_cm=45)
    w.citizen = make.citizen(municipality=herning)
    return w


def items(w, product, depot, owner, count=1, status="available"):
    return w.make.items(product=product, depot=depot, owner=owner, count=count, status=status)


def line_for(w, *, measurements=None, product=None, quantity=1):
    request = w.make.request(
        citizen=w.citizen,
        organisation=w.herning,
        depot=w.home,
        product_type=w.type,
        product=product,
        quantity=quantity,
        measurements=measurements,
    )
    return request.lines[0].id


def propose(w, line_id, **kwargs):
    kwargs.setdefault("organisation_id", w.herning.id)
    kwargs.setdefault("from_depot_id", w.home.id)
    with w.app.app_context():
        return proposals.propose_items(line_id=line_id, today=TODAY, **kwargs)


SIZE = {"seat_width_cm": 46, "max_user_weight_kg": 120}


# --- order ----------------------------------------------------------------------------------


def test_nearest_depot_first_then_own_items_then_by_id(w):
    far = items(w, w.fit, w.far, w.holstebro)
    mid = items(w, w.fit, w.mid, w.holstebro, count=2)
    home_other = items(w, w.fit, w.home, w.holstebro)
    home_own = items(w, w.fit2, w.home, w.herning, count=2)
    rows = propose(w, line_for(w, measurements=SIZE))
    assert [r.item_id for r in rows] == [
        *(i.id for i in home_own),
        home_other[0].id,
        *(i.id for i in mid),
        far[0].id,
    ]
    assert [r.own for r in rows] == [True, True, False, False, False, False]
    assert rows[0].depot_name == "Herning depot"
    assert rows[0].distance_km == 0.0
    assert rows[3].distance_km == pytest.approx(34.9, abs=1.0)
    assert rows[5].distance_km == pytest.approx(62.5, abs=1.0)
    assert rows[0].owner_name == "Herning Kommune"
    assert rows[3].owner_name == "Holstebro Kommune"
    assert rows[0].asset_tag == home_own[0].asset_tag
    assert rows[0].product_name == "Fits too"
    assert rows[0].product_measurements == [("seat_width_cm", 47), ("max_user_weight_kg", 150)]


def test_own_is_relative_to_the_asking_organisation(w):
    herning_item = items(w, w.fit, w.mid, w.herning)
    holstebro_item = items(w, w.fit, w.mid, w.holstebro)
    as_holstebro = propose(w, line_for(w), organisation_id=w.holstebro.id)
    assert [r.item_id for r in as_holstebro] == [holstebro_item[0].id, herning_item[0].id]
    as_herning = propose(w, line_for(w))
    assert [r.item_id for r in as_herning] == [herning_item[0].id, holstebro_item[0].id]


def test_depots_without_coordinates_come_last(w):
    unplaced = items(w, w.fit, w.nowhere, w.herning)
    far = items(w, w.fit, w.far, w.holstebro)
    rows = propose(w, line_for(w))
    assert [r.item_id for r in rows] == [far[0].id, unplaced[0].id]
    assert rows[1].distance_km is None


def test_measured_from_the_given_depot(w):
    home = items(w, w.fit, w.home, w.herning)
    far = items(w, w.fit, w.far, w.herning)
    rows = propose(w, line_for(w), from_depot_id=w.far.id)
    assert [r.item_id for r in rows] == [far[0].id, home[0].id]


def test_a_depot_without_coordinates_proposes_its_own_items_first(w):
    own = items(w, w.fit, w.nowhere, w.holstebro)
    home = items(w, w.fit, w.home, w.herning)
    rows = propose(w, line_for(w), from_depot_id=w.nowhere.id)
    assert [r.item_id for r in rows] == [own[0].id, home[0].id]
    assert rows[0].distance_km == 0.0
    assert rows[1].distance_km is None


def test_inactive_depots_are_left_out(w):
    items(w, w.fit, w.far, w.herning)
    with w.app.app_context():
        db.session.execute(update(Depot).where(Depot.id == w.far.id).values(active=False))
        db.session.commit()
    assert propose(w, line_for(w)) == []


def test_limit(w):
    home = items(w, w.fit, w.home, w.herning, count=4)
    mid = items(w, w.fit, w.mid, w.holstebro, count=4)
    line_id = line_for(w)
    assert [r.item_id for r in propose(w, line_id, limit=3)] == [i.id for i in home[:3]]
    six = propose(w, line_id, limit=6)
    assert [r.item_id for r in six] == [i.id for i in home] + [i.id for i in mid[:2]]
    assert len(propose(w, line_id, limit=0)) == 1  # at least one
    assert len(propose(w, line_id, limit=10_000)) == 8


def test_the_id_ordered_walk_gives_the_same_order(w, monkeypatch):
    home_other = items(w, w.fit, w.home, w.holstebro, count=2)
    home_own = items(w, w.fit, w.home, w.herning, count=2)
    line_id = line_for(w)
    expected = [i.id for i in home_own + home_other]
    assert [r.item_id for r in propose(w, line_id)] == expected
    monkeypatch.setattr(proposals, "SORT_IN_MEMORY_BELOW", 0)
    assert [r.item_id for r in propose(w, line_id)] == expected


# --- what matches ---------------------------------------------------------------------------


def test_measurements_near_and_at_least(w):
    fit = items(w, w.fit, w.home, w.herning)  # 45 cm: within ±2 of 46; 135 kg ≥ 120
    fit2 = items(w, w.fit2, w.home, w.herning)  # 47 cm, 150 kg
    items(w, w.narrow, w.home, w.herning)  # 40 cm: too narrow
    items(w, w.unmeasured, w.home, w.herning)  # no max weight recorded: cannot be matched
    rows = propose(w, line_for(w, measurements=SIZE))
    assert [r.item_id for r in rows] == [fit[0].id, fit2[0].id]
    assert all(r.fits for r in rows)
    heavy = propose(w, line_for(w, measurements={"max_user_weight_kg": 140}))
    assert [r.item_id for r in heavy] == [fit2[0].id]
    wide = propose(w, line_for(w, measurements={"seat_width_cm": 49}))
    assert [r.item_id for r in wide] == [fit2[0].id]


def test_showing_items_that_do_not_fit(w):
    fit = items(w, w.fit, w.home, w.herning)
    narrow = items(w, w.narrow, w.home, w.herning)
    unmeasured = items(w, w.unmeasured, w.home, w.herning)
    line_id = line_for(w, measurements=SIZE)
    rows = propose(w, line_id, ignore_measurements=True)
    assert [(r.item_id, r.fits) for r in rows] == [
        (fit[0].id, True),
        (narrow[0].id, False),
        (unmeasured[0].id, False),
    ]
    with w.app.app_context():
        assert proposals.count_unfitting(line_id=line_id, today=TODAY) == 2
        assert proposals.count_matching(line_id=line_id, today=TODAY) == 1


def test_without_measurements_every_product_of_the_type_fits(w):
    all_items = [items(w, p, w.home, w.herning)[0] for p in (w.fit, w.narrow, w.unmeasured)]
    line_id = line_for(w)
    rows = propose(w, line_id)
    assert [r.item_id for r in rows] == [i.id for i in all_items]
    assert all(r.fits for r in rows)
    with w.app.app_context():
        assert proposals.count_unfitting(line_id=line_id, today=TODAY) == 0
        assert proposals.count_matching(line_id=line_id, today=TODAY) == 3


def inspect_every(w, months: int) -> None:
    """The type gets an inspection plan (only then do its items carry due dates)."""
    from depot.items.services import save_inspection_plan

    with w.app.app_context():
        save_inspection_plan(
            product_type_id=w.type.id, interval_months=months, after_every_loan=False
        )
        db.session.commit()


def test_items_overdue_for_inspection_are_left_out(w):
    inspect_every(w, 12)
    overdue = items(w, w.fit, w.home, w.herning)
    due_today = items(w, w.fit, w.home, w.herning)
    later = items(w, w.fit, w.home, w.herning)
    set_items(w.app, overdue, next_inspection_due=TODAY - timedelta(days=1))
    set_items(w.app, due_today, next_inspection_due=TODAY)
    set_items(w.app, later, next_inspection_due=TODAY + timedelta(days=30))
    line_id = line_for(w)
    assert [r.item_id for r in propose(w, line_id)] == [due_today[0].id, later[0].id]
    with w.app.app_context():
        assert proposals.count_matching(line_id=line_id, today=TODAY) == 2


def test_the_count_of_misfits_leaves_out_overdue_items(w):
    inspect_every(w, 6)
    narrow = items(w, w.narrow, w.home, w.herning, count=3)
    set_items(w.app, narrow[:1], next_inspection_due=TODAY - timedelta(days=1))
    set_items(w.app, narrow[1:], next_inspection_due=TODAY + timedelta(days=1))
    line_id = line_for(w, measurements=SIZE)
    with w.app.app_context():
        assert proposals.count_unfitting(line_id=line_id, today=TODAY) == 2
    rows = propose(w, line_id, ignore_measurements=True)
    assert [r.item_id for r in rows] == [i.id for i in narrow[1:]]


def test_a_depot_whose_only_items_are_overdue_is_passed_over(w):
    overdue = items(w, w.fit, w.home, w.herning, count=2)
    set_items(w.app, overdue, next_inspection_due=TODAY - timedelta(days=1))
    mid = items(w, w.fit, w.mid, w.holstebro)
    assert [r.item_id for r in propose(w, line_for(w))] == [mid[0].id]


def test_items_that_are_not_available_are_left_out(w):
    items(w, w.fit, w.home, w.herning, status="reserved")
    scrapped = items(w, w.fit, w.home, w.herning)
    set_items(w.app, scrapped, status="scrapped")
    repair = items(w, w.fit, w.home, w.herning)
    set_items(w.app, repair, status="repair")
    free = items(w, w.fit, w.mid, w.holstebro)
    line_id = line_for(w)
    assert [r.item_id for r in propose(w, line_id)] == [free[0].id]
    with w.app.app_context():
        assert proposals.count_matching(line_id=line_id, today=TODAY) == 1


def test_other_types_and_inactive_products_are_left_out(w):
    other_type = w.make.product_type(measurement_fields="seat_width_cm")
    other = w.make.product(product_type=other_type, seat_width_cm=46)
    items(w, other, w.home, w.herning)
    retired = items(w, w.fit2, w.home, w.herning)
    current = items(w, w.fit, w.mid, w.herning)
    with w.app.app_context():
        from depot.catalogue.models import Product

        db.session.execute(update(Product).where(Product.id == w.fit2.id).values(active=False))
        db.session.commit()
    assert [r.item_id for r in propose(w, line_for(w))] == [current[0].id]
    assert retired  # an inactive product's items stay on the shelf but are not proposed


def test_a_line_for_a_specific_product_gets_only_that_product(w):
    items(w, w.fit, w.home, w.herning)
    narrow = items(w, w.narrow, w.mid, w.holstebro)
    # The therapist chose the product: its items are proposed whatever the measurements say.
    line_id = line_for(w, product=w.narrow, measurements=SIZE)
    rows = propose(w, line_id)
    assert [(r.item_id, r.fits) for r in rows] == [(narrow[0].id, True)]
    assert propose(w, line_id, ignore_measurements=True) == rows
    with w.app.app_context():
        assert proposals.count_unfitting(line_id=line_id, today=TODAY) == 0
        assert proposals.count_matching(line_id=line_id, today=TODAY) == 1


def test_nothing_matches(w):
    items(w, w.narrow, w.home, w.herning)
    line_id = line_for(w, measurements={"seat_width_cm": 70})
    assert propose(w, line_id) == []
    with w.app.app_context():
        assert proposals.count_matching(line_id=line_id, today=TODAY) == 0
        assert proposals.count_unfitting(line_id=line_id, today=TODAY) == 1


def test_empty_stock(w):
    assert propose(w, line_for(w)) == []


def test_unknown_line(w):
    with w.app.app_context(), pytest.raises(RequestNotFound):
        proposals.propose_items(
            line_id=987654, from_depot_id=w.home.id, organisation_id=w.herning.id, today=TODAY
        )


def test_depots_by_distance(w):
    with w.app.app_context():
        ranked = proposals.depots_by_distance(from_depot_id=w.home.id)
        assert [d.name for d, _km in ranked] == [
            "Herning depot",
            "Holstebro depot",
            "Lemvig depot",
            "Depot without coordinates",
        ]
