"""fill_cells at the XML level: rows and cells found, created in order, whether or not rows state their number."""
from __future__ import annotations

from lxml import etree

from compiler.xlsx.annotate import fill_cells
from compiler.xlsx.package import NS_MAIN

NS = {"m": NS_MAIN}


class FakeStyles:
    """Cell format index = 100 + base index, 200 + for errors: enough to see which base was used."""

    def filled(self, base: int, severity: str) -> int:
        return (200 if severity == "エラー" else 100) + base


def sheet(rows_xml: str) -> etree._Element:
    return etree.fromstring(f'<worksheet xmlns="{NS_MAIN}"><dimension ref="A1:C5"/>'
                            f"<sheetData>{rows_xml}</sheetData></worksheet>".encode())


def layout(root: etree._Element) -> list[tuple[str, list[tuple[str, str | None]]]]:
    return [(row.get("r"), [(c.get("r"), c.get("s")) for c in row.findall("m:c", NS)])
            for row in root.find("m:sheetData", NS).findall("m:row", NS)]


def test_numbered_rows_found_and_missing_rows_and_cells_inserted_in_order() -> None:
    root = sheet('<row r="1"><c r="A1" s="3"/><c r="C1"/></row><row r="2"><c r="B2" s="1"/></row>'
                 '<row r="5" s="7" customFormat="1"><c r="A5"/></row>')
    fill_cells(root, {(1, 2): "警告", (2, 2): "エラー", (3, 1): "警告", (5, 3): "エラー", (9, 2): "警告"},
               FakeStyles())
    assert layout(root) == [
        ("1", [("A1", "3"), ("B1", "100"), ("C1", None)]),  # B1 created between A1 and C1, default base 0
        ("2", [("B2", "201")]),  # the cell's own format cloned
        ("3", [("A3", "100")]),  # a new row before row 5
        ("5", [("A5", None), ("C5", "207")]),  # the row's custom format is the base
        ("9", [("B9", "100")]),  # a new last row
    ]
    assert root.find("m:dimension", NS).get("ref") == "A1:C9"


def test_rows_without_numbers_are_numbered_in_turn() -> None:
    root = sheet('<row><c r="A1"/></row><row><c r="A2"/></row><row r="4"><c r="A4"/></row><row><c r="A5"/></row>')
    fill_cells(root, {(2, 1): "警告", (3, 2): "エラー", (5, 1): "警告"}, FakeStyles())
    assert layout(root) == [
        ("1", [("A1", None)]),
        ("2", [("A2", "100")]),
        ("3", [("B3", "200")]),
        ("4", [("A4", None)]),
        ("5", [("A5", "100")]),
    ]
