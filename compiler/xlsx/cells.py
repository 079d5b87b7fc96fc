"""Problem cells filled in a parsed worksheet: rows and cells found or created in order, each given
a copy of its own format (or its row's, or its column's) with the severity's fill."""
from __future__ import annotations

from lxml import etree

from .package import NS_MAIN, PackageError, column_letter, split_cell
from .styles import Styles, m


def fill_cells(sheet: etree._Element, targets: dict[tuple[int, int], str], styles: Styles) -> None:
    """Give every (row, col) cell its severity's fill, creating rows and cells where needed."""
    data = sheet.find(m("sheetData"))
    if data is None:
        raise PackageError("sheetData がありません")
    rows = _Rows(data)
    col_styles = ColumnStyles(sheet)
    for (r, c), severity in sorted(targets.items()):
        row = rows.get(r)
        if row is None:
            row = rows.insert(r)
        mark_cell(row, r, c, severity, col_styles, styles)
    dim = sheet.find(m("dimension"))
    if dim is not None:
        ref = widened_ref(dim.get("ref") or "A1", targets)
        if ref:
            dim.set("ref", ref)


def mark_cell(row: etree._Element, r: int, c: int, severity: str, col_styles: "ColumnStyles",
              styles: Styles) -> None:
    """Fill cell (r, c) of `row` (created when missing) with a copy of its own format — or of the
    row's or the column's — carrying the severity's fill."""
    cell = _find_or_insert_cell(row, r, c)
    if cell.get("s") is not None:
        base = int(cell.get("s") or 0)
    elif row.get("customFormat") in ("1", "true"):
        base = int(row.get("s") or 0)
    else:
        base = col_styles.get(c, 0)
    cell.set("s", str(styles.filled(base, severity)))
    row.attrib.pop("spans", None)


def widened_ref(ref: str, targets: dict[tuple[int, int], str]) -> str | None:
    """A <dimension> ref that also covers the cells we marked (it is a hint, but keep it true);
    None when the ref is not a plain range."""
    corners = [split_cell(part) for part in ref.split(":")]
    if not targets or any(c is None for c in corners):
        return None
    rows = [c[0] for c in corners if c] + [r for r, _ in targets]
    cols = [c[1] for c in corners if c] + [c for _, c in targets]
    return f"{column_letter(min(cols))}{min(rows)}:{column_letter(max(cols))}{max(rows)}"


_NS = {"m": NS_MAIN}


class _Rows:
    """The <row> elements of sheetData by number.  When every row states its number (every
    spreadsheet writer does), a row is found by an XPath query that libxml2 answers without
    building a Python object per row; otherwise the rows are numbered and indexed once."""

    def __init__(self, data: etree._Element) -> None:
        self.data = data
        numbered = not data.xpath("boolean(m:row[not(@r)])", namespaces=_NS)
        self.index = None if numbered else _row_index(data)

    def get(self, r: int) -> etree._Element | None:
        if self.index is not None:
            return self.index.get(r)
        found = self.data.xpath(f"m:row[@r='{r}']", namespaces=_NS)
        return found[0] if found else None

    def insert(self, r: int) -> etree._Element:
        new = etree.Element(m("row"), r=str(r))
        if self.index is not None:
            after = [n for n in self.index if n > r]
            nxt = self.index[min(after)] if after else None
            self.index[r] = new
        else:
            found = self.data.xpath(f"m:row[number(@r) > {r}][1]", namespaces=_NS)
            nxt = found[0] if found else None
        if nxt is not None:
            nxt.addprevious(new)
        else:
            self.data.append(new)
        return new


def _row_index(data: etree._Element) -> dict[int, etree._Element]:
    rows, last = {}, 0
    for row in data.iter(m("row")):
        r = int(row.get("r") or last + 1)
        row.set("r", str(r))
        rows[r], last = row, r
    return rows


def _find_or_insert_cell(row: etree._Element, r: int, c: int) -> etree._Element:
    ref = f"{column_letter(c)}{r}"
    for cell in row.iterchildren(m("c")):  # what the XPath m:c[@r=ref] finds, without compiling one per cell
        if cell.get("r") == ref:
            return cell
    last = 0
    for cell in row.iter(m("c")):
        pos = split_cell(cell.get("r", "")) if cell.get("r") else None
        col = pos[1] if pos else last + 1
        cell.set("r", f"{column_letter(col)}{r}")
        if col == c:
            return cell
        if col > c:
            new = etree.Element(m("c"), r=f"{column_letter(c)}{r}")
            cell.addprevious(new)
            return new
        last = col
    return etree.SubElement(row, m("c"), r=f"{column_letter(c)}{r}")


class ColumnStyles:
    """The style of each <col> range (a template's last range reaches column 16,384)."""

    def __init__(self, sheet: etree._Element) -> None:
        cols = sheet.find(m("cols"))  # a child of the worksheet: not a walk through every cell
        self.ranges = [(int(col.get("min", "1")), int(col.get("max", "1")), int(col.get("style") or 0))
                       for col in (cols if cols is not None else ()) if col.tag == m("col")
                       and col.get("style") is not None]

    def get(self, c: int, default: int = 0) -> int:
        style = default
        for lo, hi, s in self.ranges:  # a later range wins, as a dict filled in order did
            if lo <= c <= hi:
                style = s
        return style
