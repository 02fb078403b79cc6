"""Who may see and who may change the catalogue."""

import pytest
from flask import url_for

from depot.catalogue.models import Product
from tests.catalogue.conftest import text_of

OTHER_ROLES = ["depot_staff", "therapist", "coordinator", "admin"]
ALL_ROLES = [*OTHER_ROLES, "procurement"]


@pytest.fixture
def catalogue(make):
    """A product type, a product, its supplier and a contract with one line."""
    product = make.product()
    contract = make.contract(products=[product])
    return {
        "type_id": product.product_type_id,
        "product_id": product.id,
        "supplier_id": product.supplier_id,
        "contract_id": contract.id,
        "line_id": contract.lines[0].id,
    }


BROWSE = [
    ("catalogue.products", ()),
    ("catalogue.product", ("product_id",)),
    ("catalogue.product_types", ()),
    ("catalogue.suppliers", ()),
    ("catalogue.supplier", ("supplier_id",)),
    ("catalogue.contracts", ()),
    ("catalogue.contract", ("contract_id",)),
]

EDIT_FORMS = [  # GET shows the form, POST saves
    ("catalogue.product_type_new", ()),
    ("catalogue.product_type_edit", ("type_id",)),
    ("catalogue.product_new", ()),
    ("catalogue.product_edit", ("product_id",)),
    ("catalogue.supplier_new", ()),
    ("catalogue.supplier_edit", ("supplier_id",)),
    ("catalogue.contract_new", ()),
    ("catalogue.contract_edit", ("contract_id",)),
    ("catalogue.line_new", ("contract_id",)),
    ("catalogue.line_edit", ("contract_id", "line_id")),
]

EDIT_ACTIONS = [  # POST only
    ("catalogue.product_deactivate", ("product_id",)),
    ("catalogue.product_reactivate", ("product_id",)),
    ("catalogue.line_remove", ("contract_id", "line_id")),
]


def _url(app, endpoint, params, catalogue):
    with app.test_request_context():
        return url_for(endpoint, **{p: catalogue[p] for p in params})


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_may_browse(app, client, login_as, herning, catalogue, role):
    login_as(role, herning)
    for endpoint, params in BROWSE:
        response = client.get(_url(app, endpoint, params, catalogue))
        assert response.status_code == 200, endpoint


def test_anonymous_users_are_sent_to_the_login(app, client, catalogue):
    for endpoint, params in BROWSE + EDIT_FORMS:
        response = client.get(_url(app, endpoint, params, catalogue))
        assert response.status_code == 302, endpoint
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_may_not_edit(app, client, login_as, herning, catalogue, peek, role):
    login_as(role, herning)
    for endpoint, params in EDIT_FORMS:
        url = _url(app, endpoint, params, catalogue)
        assert client.get(url).status_code == 403, endpoint
        assert client.post(url, data={"name": "x"}).status_code == 403, endpoint
    for endpoint, params in EDIT_ACTIONS:
        url = _url(app, endpoint, params, catalogue)
        assert client.post(url).status_code == 403, endpoint
        assert client.get(url).status_code == 405, endpoint
    assert peek.one(Product, id=catalogue["product_id"]).active


def test_procurement_may_open_every_form(app, client, officer, catalogue):
    for endpoint, params in EDIT_FORMS:
        response = client.get(_url(app, endpoint, params, catalogue))
        assert response.status_code == 200, endpoint
        assert 'method="post"' in text_of(response)


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_edit_buttons_are_hidden_from_other_roles(app, client, login_as, herning, catalogue, role):
    login_as(role, herning)
    for endpoint, params in BROWSE:
        page = text_of(client.get(_url(app, endpoint, params, catalogue)))
        for testid in (
            "edit",
            "deactivate",
            "product-new",
            "product-type-new",
            "supplier-new",
            "contract-new",
            "line-new",
            "line-edit",
        ):
            assert f'data-testid="{testid}"' not in page, (endpoint, testid)


def test_edit_buttons_are_shown_to_procurement(app, client, officer, catalogue):
    page = text_of(client.get(_url(app, "catalogue.product", ("product_id",), catalogue)))
    assert 'data-testid="edit"' in page and 'data-testid="deactivate"' in page
    page = text_of(client.get(_url(app, "catalogue.contract", ("contract_id",), catalogue)))
    assert 'data-testid="line-new"' in page and 'data-testid="line-edit"' in page
    page = text_of(client.get(_url(app, "catalogue.products", (), catalogue)))
    assert 'data-testid="product-new"' in page


@pytest.mark.parametrize(
    "url",
    [
        "/catalogue/products/999999",
        "/catalogue/products/0",
        "/catalogue/products/-1",
        "/catalogue/products/abc",
        "/catalogue/products/99999999999999999999999",
        "/catalogue/suppliers/999999",
        "/catalogue/contracts/999999",
        "/catalogue/types/999999/edit",
        "/catalogue/contracts/999999/lines/new",
        "/catalogue/contracts/999999/lines/1/edit",
    ],
)
def test_unknown_records_are_404(client, officer, url):
    assert client.get(url).status_code == 404


def test_a_line_is_only_reachable_through_its_own_contract(client, officer, make, catalogue):
    other = make.contract()
    url = f"/catalogue/contracts/{other.id}/lines/{catalogue['line_id']}/edit"
    assert client.get(url).status_code == 404
    url = f"/catalogue/contracts/{other.id}/lines/{catalogue['line_id']}/remove"
    assert client.post(url).status_code == 404


@pytest.fixture
def count_queries(app):
    """Count the SQL statements one GET runs."""
    from sqlalchemy import event

    from depot.extensions import db

    def _count(client, url):
        statements = []
        with app.app_context():
            engine = db.engine

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    return _count


def test_lists_and_details_do_not_query_per_row(client, officer, make, count_queries):
    supplier = make.supplier()
    products = [make.product(supplier=supplier) for _ in range(2)]
    contract = make.contract(supplier=supplier, products=products)
    urls = [
        "/catalogue/products",
        "/catalogue/types",
        "/catalogue/suppliers",
        "/catalogue/contracts",
        f"/catalogue/contracts/{contract.id}",
        f"/catalogue/suppliers/{supplier.id}",
        f"/catalogue/products/{products[0].id}",
    ]
    few = {url: count_queries(client, url) for url in urls}
    more = [make.product(supplier=supplier) for _ in range(6)]
    for n in range(6):
        make.contract(
            supplier=supplier, products=more, reference=f"X-{n}", breaks=((1, "10.00"), (5, "9.00"))
        )
    with client.application.app_context():
        from depot.catalogue import contract_services
        from depot.catalogue.models import Contract
        from depot.extensions import db

        c = db.session.get(Contract, contract.id)
        for p in more:
            contract_services.add_contract_line(
                contract=c, product_id=p.id, breaks=[(1, 5), (2, 4)]
            )
        db.session.commit()
    many = {url: count_queries(client, url) for url in urls}
    assert many == few
