"""The label PDF, rendered by poppler's pdftoppm and read back by a real barcode reader."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from depot.items import labels as sheet
from depot.items.labels import LabelData, label_sheet_pdf

DPI = 300
MM = DPI / 25.4  # pixels per millimetre at the rendering resolution


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"poppler's {tool} is not installed (apt-get install poppler-utils)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def render(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    """Each page of the PDF as a 300 dpi greyscale image."""
    pdftoppm = _require("pdftoppm")
    source = tmp_path / "labels.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-r", str(DPI), "-png", "-gray", str(source), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pages = []
    for path in sorted(tmp_path.glob("page-*.png")):
        with Image.open(path) as image:
            pages.append(image.convert("L"))
    return pages


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    pdftotext = _require("pdftotext")
    source = tmp_path / "text.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        [pdftotext, "-layout", "-enc", "UTF-8", str(source), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return result.stdout.decode()


def cell(page: Image.Image, position: int) -> Image.Image:
    """The image of one label on the page, found from the sheet's geometry (row by row)."""
    column, row = position % sheet.COLUMNS, position // sheet.COLUMNS
    to_px = DPI / 72  # PDF points to pixels
    left = (sheet.MARGIN_LEFT + column * sheet.LABEL_WIDTH) * to_px
    top = (sheet.MARGIN_TOP + row * sheet.LABEL_HEIGHT) * to_px
    box = (
        round(left),
        round(top),
        round(left + sheet.LABEL_WIDTH * to_px),
        round(top + sheet.LABEL_HEIGHT * to_px),
    )
    return page.crop(box)


def decoded(image: Image.Image) -> dict[str, list[str]]:
    """The texts of the QR codes and Code128 barcodes a real reader finds in the image."""
    found = {"qr": [], "code128": []}
    for barcode in zxingcpp.read_barcodes(
        image, formats=(zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128)
    ):
        key = "qr" if barcode.format == zxingcpp.BarcodeFormat.QRCode else "code128"
        found[key].append(barcode.text)
    return found


def assert_sheet_reads_back(pdf: bytes, labels: list[LabelData], tmp_path: Path) -> None:
    pages = render(pdf, tmp_path)
    per_page = sheet.LABELS_PER_PAGE
    assert len(pages) == -(-len(labels) // per_page)
    for page_number, page in enumerate(pages):
        width, height = page.size
        assert abs(width - 210 * MM) <= 1 and abs(height - 297 * MM) <= 1
        for position in range(per_page):
            index = page_number * per_page + position
            found = decoded(cell(page, position))
            if index < len(labels):
                tag = labels[index].asset_tag
                assert found == {"qr": [tag], "code128": [tag]}, (index, found)
            else:
                assert found == {"qr": [], "code128": []}, (index, found)


def test_each_label_decodes_to_its_asset_tag_in_qr_and_code128(tmp_path):
    labels = [
        LabelData("HM0000001", "Kørestol Vestmo 45", "SN-001"),
        LabelData("HM0000002", "Badebænk med ryglæn og armlæn, blå/hvid – Æblegård", None),
        LabelData("HM0000042", "Rollator Ørsted Åben", "ÆØÅ-æøå-123"),
        LabelData("HM1234567", "Plejeseng " + "meget lang betegnelse " * 8, "S" * 60),
        LabelData("HM0000005", "", None),
    ]
    pdf = label_sheet_pdf(labels=labels)
    assert pdf.startswith(b"%PDF-")
    assert_sheet_reads_back(pdf, labels, tmp_path)


def test_a_sheet_of_thirty_labels_spans_two_pages(tmp_path):
    labels = [
        LabelData(f"HM{n:07d}", f"Hjælpemiddel nr. {n} – løftesejl", f"SER-{n}")
        for n in range(1001, 1031)
    ]
    pdf = label_sheet_pdf(labels=labels)
    assert_sheet_reads_back(pdf, labels, tmp_path)


def test_danish_letters_are_real_text_and_the_title_is_etiketter(tmp_path):
    labels = [
        LabelData("HM0000007", "Kørestol Æblegrøn", "SN-Å1"),
        LabelData("HM0000008", "Toiletforhøjer ø/å/æ", None),
    ]
    pdf = label_sheet_pdf(labels=labels)
    text = pdf_text(pdf, tmp_path)
    for expected in ("HM0000007", "Kørestol Æblegrøn", "SN-Å1", "HM0000008", "ø/å/æ"):
        assert expected in text
    info = subprocess.run(
        [_require("pdfinfo"), "-enc", "UTF-8", str(tmp_path / "text.pdf")],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode()
    assert any(
        line.split(":", 1)[1].strip() == "Etiketter"
        for line in info.splitlines()
        if line.startswith("Title:")
    )
    # The font travels with the PDF, so æøå print alike everywhere.
    fonts = subprocess.run(
        [_require("pdffonts"), str(tmp_path / "text.pdf")],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode()
    assert "BitstreamVeraSans" in fonts


def test_long_names_are_shortened_to_fit_the_label():
    sheet._register_fonts()
    width = 30 * sheet.mm
    name = "Plejeseng med elektrisk højde- og ryglænsregulering samt sidegrej " * 3
    lines = sheet._wrap(name, sheet.FONT, sheet.NAME_SIZE, width, sheet.NAME_LINES)
    assert len(lines) == sheet.NAME_LINES
    assert lines[-1].endswith(sheet.ELLIPSIS)
    for line in lines:
        assert sheet.pdfmetrics.stringWidth(line, sheet.FONT, sheet.NAME_SIZE) <= width
    assert sheet._wrap("Kort navn", sheet.FONT, sheet.NAME_SIZE, width, 3) == ["Kort navn"]
    word = "Superlangtordudenmellemrumderikkekanbrydes" * 2
    (only,) = sheet._wrap(word, sheet.FONT, sheet.NAME_SIZE, width, 3)
    assert only.endswith(sheet.ELLIPSIS)
    # Characters the font lacks fall back to their base letter rather than a blank box.
    assert sheet._printable("Ő ő  ☃", sheet.FONT) == "O o ?"
    assert sheet._printable("Kørestol ÆØÅ", sheet.FONT) == "Kørestol ÆØÅ"


def test_no_labels_give_one_blank_page_and_skip_leaves_used_labels_blank(tmp_path):
    blank = label_sheet_pdf(labels=[])
    assert blank.startswith(b"%PDF-")
    labels = [LabelData("HM0000009", "Kørestol"), LabelData("HM0000010", "Rollator")]
    pdf = label_sheet_pdf(labels=labels, skip=4)
    (page,) = render(pdf, tmp_path)
    for position in range(6):
        found = decoded(cell(page, position))
        expected = {4: ["HM0000009"], 5: ["HM0000010"]}.get(position, [])
        assert found == {"qr": expected, "code128": expected}
