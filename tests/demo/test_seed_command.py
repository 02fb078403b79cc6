"""Determinism, scale, the `seed-demo` command and logging in as a demo user."""

import hashlib
import random
from datetime import date

import pytest
from sqlalchemy import func, select

from depot.auth.models import User
from depot.catalogue.models import ContractLine, Product
from depot.citizens.models import Citizen
from depot.demo import people
from depot.demo.generator import delete_all_data, seed_demo_data
from depot.demo.reference import ReferenceDataError, load_reference
from depot.extensions import db
from depot.organisations.models import Depot, Organisation


def _digest() -> str:
    """Content and insertion order of the generated rows, without ids and timestamps."""
    parts = []
    for p in db.session.scalars(select(Product).order_by(Product.id)):
        parts.append(
            f"{p.hmi_number}|{p.name}|{p.product_type.iso_code}|{p.supplier.name}|"
            f"{p.list_price}|{sorted(p.measurements().items())}|{p.reusable}"
        )
    for line in db.session.scalars(select(ContractLine).order_by(ContractLine.id)):
        breaks = [(b.min_qty, b.unit_price) for b in line.price_breaks]
        parts.append(
            f"{line.contract.reference}|{line.product.hmi_number}|{line.pack_size}|"
            f"{line.moq}|{line.lead_time_days}|{breaks}"
        )
    for c in db.session.scalars(select(Citizen).order_by(Citizen.id)):
        parts.append(f"{c.cpr}|{c.name}|{c.address}|{c.phone}|{c.municipality.name}")
    for u in db.session.scalars(select(User).order_by(User.id)):
        parts.append(f"{u.email}|{u.name}|{u.role}")
    for d in db.session.scalars(select(Depot).order_by(Depot.id)):
        shares = [(s.organisation.name, s.percent) for s in d.shares]
        parts.append(f"{d.name}|{d.address}|{d.latitude}|{d.longitude}|{d.capacity_m3}|{shares}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_same_seed_gives_identical_rows_and_another_seed_does_not(app_ctx, demo_password):
    seed_demo_data(seed=7, password=demo_password)
    first = _digest()
    delete_all_data()
    assert _count(Organisation) == 0
    seed_demo_data(seed=7, password=demo_password)
    assert _digest() == first
    delete_all_data()
    seed_demo_data(seed=8, password=demo_password)
    assert _digest() != first


def test_scale_multiplies_citizens_and_products(app_ctx, demo_password):
    half = seed_demo_data(scale=0.5, password=demo_password)
    assert half.citizens == 6 * 20 == _count(Citizen)
    delete_all_data()
    double = seed_demo_data(scale=2, password=demo_password)
    assert double.citizens == 6 * 80 == _count(Citizen)
    assert double.products > half.products
    assert double.organisations == half.organisations == 7
    assert double.users == half.users == 35


def test_scale_must_be_positive(app_ctx, demo_password):
    with pytest.raises(ValueError):
        seed_demo_data(scale=0, password=demo_password)


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return _count(Organisation), _count(Citizen)


def test_command_seeds_commits_and_prints_the_logins(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for role in ("depot_staff", "therapist", "procurement", "coordinator", "admin"):
        assert f"{role}@herning.demo.dk" in result.output
    assert "demo-password-2026" in result.output
    assert "240 citizens" in result.output
    assert _counts(app) == (7, 240)


def test_command_refuses_existing_data_without_reset(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo", "--scale", "0.5"]).exit_code == 0
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code == 1
    assert "--reset" in refused.output
    assert _counts(app) == (7, 120)
    reset = runner.invoke(args=["seed-demo", "--reset", "--seed", "3"])
    assert reset.exit_code == 0, reset.output
    assert _counts(app) == (7, 240)


def test_command_refuses_in_production(app, monkeypatch):
    monkeypatch.setenv("DEPOT_ENV", "production")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "production" in result.output
    assert _counts(app) == (0, 0)


def test_command_reports_a_missing_reference_file(app, monkeypatch, tmp_path):
    monkeypatch.setenv("DEPOT_REFERENCE_DIR", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "vestklyngen.csv" in result.output and "not found" in result.output
    assert _counts(app) == (0, 0)


def test_command_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--password", "short"])
    assert result.exit_code == 1
    assert "10" in result.output
    assert _counts(app) == (0, 0)


def test_a_demo_user_can_log_in(app, client, demo_password):
    with app.app_context():
        seed_demo_data(password=demo_password)
        db.session.commit()
    wrong = client.post("/login", data={"email": "admin@herning.demo.dk", "password": "nope"})
    assert wrong.status_code == 200
    response = client.post(
        "/login", data={"email": "admin@herning.demo.dk", "password": demo_password}
    )
    assert response.status_code == 302


def test_malformed_reference_file_names_the_line(tmp_path):
    (tmp_path / "vestklyngen.csv").write_text(
        "organisation,kind,town,population_approx,latitude,longitude\n"
        "Region,region,Gødstrup,,56.1,8.8\n"
        "Herning Kommune,municipality,Herning,90500,56.1,8.9\n",
        encoding="utf-8",
    )
    (tmp_path / "iso9999.csv").write_text(
        "code,edition,title_en,title_da,reusable\n12 22 03,2016,Wheelchairs,Kørestole,yes\n"
        "1222,2016,Bad,Dårlig,yes\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceDataError, match=r"iso9999\.csv, line 3"):
        load_reference(tmp_path)


def test_synthetic_cprs_fail_modulus_11_so_no_real_person_has_them():
    rng = random.Random(1)
    taken: set[str] = set()
    for born in (date(1925, 1, 1), date(1960, 2, 29), date(2003, 7, 14)):
        for female in (True, False):
            cpr = people.synthetic_cpr(rng, born, female=female, taken=taken)
            digits = cpr.replace("-", "")
            assert not people._passes_mod11(digits)
            assert int(digits[-1]) % 2 == (0 if female else 1)
    assert len(taken) == 6
    with pytest.raises(ValueError):
        people.synthetic_cpr(rng, date(2010, 1, 1), female=True, taken=taken)


def test_command_reports_conflicting_rows_and_reset_removes_them(app, make):
    make.product_type(iso_code="12 22 03")  # a catalogue row, but no organisation yet
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code == 1
    assert "--reset" in refused.output
    assert _counts(app) == (0, 0)
    reset = runner.invoke(args=["seed-demo", "--reset"])
    assert reset.exit_code == 0, reset.output
    assert _counts(app) == (7, 240)


def test_skip_if_present_keeps_data_and_prints_the_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--skip-if-present"])
    assert first.exit_code == 0, first.output
    assert "admin@herning.demo.dk" in first.output
    again = runner.invoke(args=["seed-demo", "--skip-if-present"])
    assert again.exit_code == 0, again.output
    assert "kept as it is" in again.output
    assert "admin@herning.demo.dk" in again.output
    assert "therapist@herning.demo.dk" in again.output
