"""Routes of the catalogue: shared by all tenants; everyone browses, procurement edits."""

from tests.access.route import Route, only


def extend_world(world: dict, make) -> None:
    world["product"] = product = make.product()
    world["contract"] = make.contract(products=[product])

    def removable_line_url() -> str:
        # A POST removes the line, so every call gets a line of its own.
        contract = make.contract(products=[make.product()])
        return f"/catalogue/contracts/{contract.id}/lines/{contract.lines[0].id}/remove"

    world["removable_line_url"] = removable_line_url


def procurement_only(**kwargs) -> Route:
    return only("procurement", **kwargs)


ROUTES: dict[str, Route] = {
    "catalogue.products": Route(url=lambda w: "/catalogue/products"),
    "catalogue.product": Route(url=lambda w: f"/catalogue/products/{w['product'].id}"),
    "catalogue.product_new": procurement_only(url=lambda w: "/catalogue/products/new", post=True),
    "catalogue.product_edit": procurement_only(
        url=lambda w: f"/catalogue/products/{w['product'].id}/edit", post=True
    ),
    "catalogue.product_deactivate": procurement_only(
        url=lambda w: f"/catalogue/products/{w['product'].id}/deactivate", post=True, get=False
    ),
    "catalogue.product_reactivate": procurement_only(
        url=lambda w: f"/catalogue/products/{w['product'].id}/reactivate", post=True, get=False
    ),
    "catalogue.product_types": Route(url=lambda w: "/catalogue/types"),
    "catalogue.product_type_new": procurement_only(url=lambda w: "/catalogue/types/new", post=True),
    "catalogue.product_type_edit": procurement_only(
        url=lambda w: f"/catalogue/types/{w['product'].product_type_id}/edit", post=True
    ),
    "catalogue.suppliers": Route(url=lambda w: "/catalogue/suppliers"),
    "catalogue.supplier": Route(url=lambda w: f"/catalogue/suppliers/{w['product'].supplier_id}"),
    "catalogue.supplier_new": procurement_only(url=lambda w: "/catalogue/suppliers/new", post=True),
    "catalogue.supplier_edit": procurement_only(
        url=lambda w: f"/catalogue/suppliers/{w['product'].supplier_id}/edit", post=True
    ),
    "catalogue.contracts": Route(url=lambda w: "/catalogue/contracts"),
    "catalogue.contract": Route(url=lambda w: f"/catalogue/contracts/{w['contract'].id}"),
    "catalogue.contract_new": procurement_only(url=lambda w: "/catalogue/contracts/new", post=True),
    "catalogue.contract_edit": procurement_only(
        url=lambda w: f"/catalogue/contracts/{w['contract'].id}/edit", post=True
    ),
    "catalogue.line_new": procurement_only(
        url=lambda w: f"/catalogue/contracts/{w['contract'].id}/lines/new", post=True
    ),
    "catalogue.line_edit": procurement_only(
        url=lambda w: (
            f"/catalogue/contracts/{w['contract'].id}/lines/{w['contract'].lines[0].id}/edit"
        ),
        post=True,
    ),
    "catalogue.line_remove": procurement_only(
        url=lambda w: w["removable_line_url"](), post=True, get=False
    ),
}
