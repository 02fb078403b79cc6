"""CSV export and import of the catalogue: round trip, formulas, and files that are refused."""

import csv
import io

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from depot.clarification import csv_io
from tests.clarification.conftest import text_of

HEADER = ";".join(csv_io.COLUMNS)


def _upload(client, content: bytes | str, name="regler.csv", replace_all=False):
    """Post a file to the import; the body is encoded here, in memory (the test client would
    spool a large one to a temporary file that it never closes)."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    values = MultiDict({"file": FileStorage(io.BytesIO(content), filename=name)})
    if replace_all:
        values["replace_all"] = "y"
    boundary, body = encode_multipart(values)
    return client.post(
        "/clarification/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _values(rule) -> tuple:
    return tuple(getattr(rule, name) for name in csv_io.COLUMNS)


def _errors(response) -> dict[int, str]:
    """The refused lines on the import page: line number → its message."""
    page = text_of(response)
    found = {}
    for chunk in page.split('data-testid="import-error" data-line="')[1:]:
        line, rest = chunk.split('"', 1)
        found[int(line)] = rest.split("</li>", 1)[0]
    return found


@pytest.fixture
def tricky_rules(make):
    make.rule(
        iso_code="12 22",
        duration_threshold_days=180,
        short_term_party="region",
        guidance='- a list item; with "quotes", semicolons\nand a second line æøå',
        precedents='Afgørelse 1: https://www.ast.dk/a?x=1;y=2\n=HYPERLINK("http://evil")',
    )
    make.rule(iso_code="04", purpose="treatment", responsible_party="region", guidance="@SUM(1)")
    make.rule(iso_code="04 48 06", purpose="training", responsible_party="depends")
    make.rule(iso_code="09", guidance="+45 1234 5678", precedents="-1 minus\nhttps://x.dk/")


def test_export_is_semicolon_csv_with_bom_for_every_role(client, login_as, herning, tricky_rules):
    login_as("depot_staff", herning)
    response = client.get("/clarification/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "iso_code;purpose;responsible_party;duration_threshold_days;short_term_party;guidance;"
        "precedents"
    )
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["04", "04 48 06", "09", "12 22"]  # sorted by code
    chair = rows[4]
    assert chair[3:5] == ["180", "region"]
    # Only a cell's start makes a formula: the second precedent needs no quote.
    assert chair[6] == 'Afgørelse 1: https://www.ast.dk/a?x=1;y=2 | =HYPERLINK("http://evil")'


def test_export_never_starts_a_cell_with_a_formula(client, coordinator, tricky_rules):
    text = client.get("/clarification/export.csv").get_data().decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'@SUM(1)" in cells and "'+45 1234 5678" in cells
    assert "'-1 minus | https://x.dk/" in cells
    assert any(c.startswith("'- a list item") for c in cells)


def test_export_then_import_round_trips(client, coordinator, tricky_rules, stored):
    before = {code: _values(rule) for code, rule in stored().items()}
    exported = client.get("/clarification/export.csv").get_data()
    # Unchanged: every row is counted as such.
    response = _upload(client, exported)
    assert response.status_code == 302
    page = text_of(client.get("/clarification/"))
    assert "Imported: 0 created, 0 updated, 4 unchanged, 0 deleted." in page
    # Into an empty catalogue: the same rules again.
    for rule in stored().values():
        client.post(f"/clarification/{rule.id}/delete")
    assert stored() == {}
    assert _upload(client, exported).status_code == 302
    after = stored()
    assert {code: _values(rule) for code, rule in after.items()} == before
    assert {rule.updated_by_id for rule in after.values()} == {coordinator.id}


def test_import_creates_and_updates_and_keeps_left_out_columns(client, coordinator, make, stored):
    make.rule(iso_code="12 22", guidance="Beholdes", precedents="https://www.ast.dk/")
    content = (
        "ISO_Code,Purpose,Responsible_Party,Duration_Threshold_Days,Short_Term_Party\r\n"
        "122203,treatment,REGION,,\r\n"
        "12 22,compensation,municipality,180,region\r\n"
        "\r\n"
        ",,,,\r\n"
    )
    response = _upload(client, content)
    assert response.status_code == 302, text_of(response)
    rules = stored()
    assert _values(rules["12 22 03"]) == ("12 22 03", "treatment", "region", None, None, None, None)
    chair = rules["12 22"]
    assert (chair.duration_threshold_days, chair.short_term_party) == (180, "region")
    assert chair.guidance == "Beholdes" and chair.precedents == "https://www.ast.dk/"
    assert chair.updated_by_id == coordinator.id


def test_a_windows_1252_file_from_excel_is_read(client, coordinator, stored):
    content = f"{HEADER}\r\n12 36;compensation;municipality;;;Personløftere;\r\n"
    assert _upload(client, content.encode("cp1252")).status_code == 302
    assert stored()["12 36"].guidance == "Personløftere"


def test_one_bad_row_imports_nothing_and_names_every_bad_line(client, coordinator, make, stored):
    make.rule(iso_code="09 12", guidance="Uændret")
    content = (
        f"{HEADER}\n"
        "09 12;compensation;municipality;;;Ændret;\n"  # 2: fine
        '12 22;compensation;municipality;90;;"two\nlines";\n'  # 3-4: no short-term party
        "1;compensation;municipality;;;;\n"  # 5: bad code
        "12 06;fun;municipality;;;;\n"  # 6: bad purpose
        "12 06 06;compensation;state;;;;\n"  # 7: bad party
        "12 03 06;compensation;municipality;99999;region;;\n"  # 8: threshold too high
        "12 03;compensation;municipality;;;;\n"  # 9: fine, but see line 10
        "1203;compensation;municipality;;;;\n"  # 10: the same code again
        "18 12;compensation;municipality;;;\n"  # 11: too few values
        "18 12;compensation;municipality;;;;;x\n"  # 12: too many
        "04 33;compensation;municipality;30;municipality;;\n"  # 13: same party twice
    )
    response = _upload(client, content)
    assert response.status_code == 400
    errors = _errors(response)
    assert sorted(errors) == [3, 5, 6, 7, 8, 10, 11, 12, 13]
    assert "short_term_party" in errors[3]
    assert "pairs of digits" in errors[5]
    assert "line 9" in errors[10]
    assert "Expected 7 values, found 6." in errors[11]
    assert "Nothing was imported" in text_of(response)
    assert set(stored()) == {"09 12"} and stored()["09 12"].guidance == "Uændret"


@pytest.mark.parametrize(
    ("content", "name", "status", "message"),
    [
        (b"", "regler.csv", 400, "The file is empty."),
        (b"\xef\xbb\xbf", "regler.csv", 400, "The file is empty."),
        (b"  \r\n\r\n", "regler.csv", 400, "The file is empty."),
        (HEADER.encode() + b"\r\n", "regler.csv", 400, "The file has a header but no rules."),
        (b"iso_code;purpose\n12;compensation\n", "r.csv", 400, "needs the columns"),
        (b"iso_code;purpose;responsible_party;colour\n", "r.csv", 400, "Unknown column"),
        (b"iso_code;iso_code;purpose;responsible_party\n", "r.csv", 400, "appears twice"),
        (b"%PDF-1.4\x00\x01\x02binary", "regler.csv", 400, "This is not a CSV file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "regler.csv", 400, "This is not a CSV file"),
        (b"anything", "regler.xlsx", 200, "Choose a CSV file (.csv)."),
        (b"anything", "regler.exe", 200, "Choose a CSV file (.csv)."),
        (b"\x81\x8d\x8f\x90\x9d", "regler.csv", 400, "neither UTF-8 nor Windows-1252"),
        (
            HEADER.encode() + b'\n12;compensation;municipality;;;"unclosed' + b"x" * 200_000,
            "regler.csv",
            400,
            "not valid CSV",
        ),
    ],
)
def test_files_that_are_refused(client, coordinator, stored, content, name, status, message):
    response = _upload(client, content, name=name)
    assert response.status_code == status
    assert message in text_of(response)
    assert stored() == {}


def test_an_oversized_file_is_refused(client, coordinator, stored):
    row = "12 22;compensation;municipality;;;" + "x" * 3000 + ";\n"
    content = HEADER + "\n" + row * (csv_io.MAX_BYTES // len(row) + 1)
    response = _upload(client, content)
    assert response.status_code == 400
    assert "The file is too large" in text_of(response)
    assert stored() == {}


def test_replace_all_deletes_the_rules_not_in_the_file(client, coordinator, make, stored):
    make.rule(iso_code="12 22")
    make.rule(iso_code="09 12")
    content = (
        f"{HEADER}\n12 22;compensation;municipality;;;;\n12 36;compensation;municipality;;;;\n"
    )
    response = _upload(client, content, replace_all=True)
    assert response.status_code == 302
    assert set(stored()) == {"12 22", "12 36"}
    page = text_of(client.get("/clarification/"))
    assert "Imported: 1 created, 0 updated, 1 unchanged, 1 deleted." in page


def test_too_many_rows_are_refused(client, coordinator, stored, monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_ROWS", 2)
    content = (
        HEADER + "\n" + "".join(f"{c};compensation;municipality;;;;\n" for c in ("12", "09", "04"))
    )
    response = _upload(client, content)
    assert response.status_code == 400
    assert "At most 2 rules per file." in text_of(response)
    assert stored() == {}


def test_the_import_page_lists_at_most_100_errors(client, coordinator):
    content = HEADER + "\n" + "x;compensation;municipality;;;;\n" * 150
    response = _upload(client, content)
    assert response.status_code == 400
    assert len(_errors(response)) == 100
    assert "… and 50 more errors." in text_of(response)


def test_only_editors_import(client, login_as, herning, stored):
    login_as("therapist", herning)
    response = _upload(client, f"{HEADER}\n12;compensation;municipality;;;;\n")
    assert response.status_code == 403
    assert stored() == {}


def test_posting_without_a_file_asks_for_one(client, coordinator):
    response = client.post("/clarification/import", data={"replace_all": "y"})
    assert response.status_code == 200
    assert "Choose a file." in text_of(response)
