"""CSV for spreadsheets (Excel in a Danish setup): semicolons, a BOM, no formulas."""

from flask import Response

# Cells starting with these are formulas to a spreadsheet: quote them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Text for a spreadsheet cell that is never read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(text: str, filename: str) -> Response:
    """A CSV download; the byte-order mark makes Excel read it as UTF-8."""
    response = Response("\ufeff" + text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
