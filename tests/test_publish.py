"""The 公表版 and 公開データ/ on the sample (R6 compiled first, so the draft has its 前年度 section): checked
on the written files that nothing internal reaches the public, and that the open data keep codes,
blanks and zeros as entered."""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from compiler.build import DRAFT_FILE, OPEN_DATA_DIR, PUBLIC_FILE, build
from compiler.opendata import DEFINITIONS_FILE, Dataset, Field, TEXT, public_table
from compiler.publish import INTERNAL_COLUMNS, INTERNAL_SECTIONS, is_internal
from tests.test_render_docx import extract, headings

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample-city"


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("publish")
    build(SAMPLE / "R6", tmp / "R6", workers=1)
    comp = build(SAMPLE / "R7", tmp / "R7", previous=tmp / "R6", workers=1)
    return tmp / "R7", comp


def _header_labels(path: Path) -> set[str]:
    return {cell for item in extract(path) if item.kind == "table" for row in item.rows[:item.header_rows]
            for cell in row}


def _document_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


def test_public_edition_leaves_out_internal_columns_and_sections(cycle) -> None:
    out, comp = cycle
    merged = next(p for p in comp.projects if len(p.sources) > 1)
    book = Path(merged.sources[0].file).stem  # the 出典 of the merged list names the workbook
    draft, public = out / DRAFT_FILE, out / PUBLIC_FILE
    # the draft has them (so the check below can fail) ...
    assert any(is_internal(label) for label in _header_labels(draft))
    draft_heads = {text.split("　", 1)[-1] for _, text in headings(extract(draft))}
    assert set(INTERNAL_SECTIONS) - {"施策が特定できない事業"} <= draft_heads
    assert book in _document_text(draft)
    # ... the 公表版 does not
    assert not [label for label in _header_labels(public) if is_internal(label)]
    public_heads = {text.split("　", 1)[-1] for _, text in headings(extract(public))}
    assert not public_heads & set(INTERNAL_SECTIONS)
    text = _document_text(public)
    assert book not in text and "要確認" not in text
    covers = [i.text for i in extract(public) if i.kind == "p" and i.style == "CoverTitle"]
    assert "実施計画（案）" not in text and "令和7年度 実施計画" in covers


def test_public_edition_appendix_sections_are_renumbered(cycle) -> None:
    out, _ = cycle
    titles = [t for level, t in headings(extract(out / PUBLIC_FILE)) if level == 2 and t[:1].isdigit()]
    appendix = titles[-3:]
    assert appendix == ["1　所管課別事業索引", "2　実施箇所明記事業一覧", "3　個別計画一覧"]


def test_public_edition_keeps_the_plans_without_their_review_marks(cycle) -> None:
    """関連する個別計画 and 個別計画一覧 are public information; the 期間満了 mark and its note are not."""
    out, _ = cycle
    draft, public = _document_text(out / DRAFT_FILE), _document_text(out / PUBLIC_FILE)
    for text in (draft, public):
        assert "関連する個別計画" in text and "個別計画一覧" in text
        assert "サンプル市過疎地域持続的発展計画（2022（令和4）年度～2025（令和7）年度）" in text
    assert "期間満了" in draft and "改定予定なし" in draft
    assert "期間満了" not in public and "改定予定なし" not in public


def test_public_project_tables_keep_the_page_width(cycle) -> None:
    """The 予算説明書 column goes; 内容 takes its width."""
    from lxml import etree

    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}

    def widths(path: Path) -> list[int]:
        root = etree.fromstring(_document_text(path).encode("utf-8"))
        grids = root.findall(".//w:tbl/w:tblGrid", ns)
        return sorted({sum(int(g.get(f"{{{ns['w']}}}w")) for g in grid) for grid in grids})

    assert max(widths(cycle[0] / PUBLIC_FILE)) == max(widths(cycle[0] / DRAFT_FILE))


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), path.name  # BOM: Japanese Excel opens it without garbling
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), path.name  # CRLF only (no bare LF rows)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_open_data_files_fields_and_definitions(cycle) -> None:
    out, comp = cycle
    folder = out / OPEN_DATA_DIR
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(["事業一覧.csv", "成果指標.csv", "リスクシナリオ別.csv", "個別計画.csv", "予算対照.csv",
                            DEFINITIONS_FILE])
    definitions = _read_csv(folder / DEFINITIONS_FILE)
    assert definitions[0] == ["ファイル名", "項目名", "型", "単位", "説明"]
    defined: dict[str, list[str]] = {}
    for file, field, kind, _unit, description in definitions[1:]:
        defined.setdefault(file, []).append(field)
        assert kind and description, (file, field)
    for name in names:
        if name == DEFINITIONS_FILE:
            continue
        rows = _read_csv(folder / name)
        assert rows[0] == defined[name], name  # every column defined, in order
        assert not [c for c in rows[0] if is_internal(c)], name
        assert not set(rows[0]) & set(INTERNAL_COLUMNS), name
    projects = _read_csv(folder / "事業一覧.csv")
    assert len(projects) - 1 == len(comp.projects)
    assert "予算説明書頁" not in projects[0] and "備考" not in projects[0] and "要確認" not in projects[0]


def test_open_data_keeps_codes_blanks_and_zeros(cycle) -> None:
    out, comp = cycle
    rows = _read_csv(out / OPEN_DATA_DIR / "事業一覧.csv")
    header, body = rows[0], rows[1:]
    by_id = {r[header.index("事業ID")]: dict(zip(header, r)) for r in body}
    p = comp.frames.projects
    zero = p[p["R7事業費"].eq(0).fillna(False)].iloc[0]
    blank = p[p["総合計画"] & p["R9事業費"].isna()].iloc[0]
    assert by_id[zero["事業ID"]]["R7事業費"] == "0"
    assert by_id[blank["事業ID"]]["R9事業費"] == ""
    multi = p[p["リスクシナリオ"].str.contains("、")].iloc[0]
    assert by_id[multi["事業ID"]]["リスクシナリオ"] == multi["リスクシナリオ"]  # e.g. 2-2、8-3, not a date
    assert {r["総合計画"] for r in by_id.values()} == {"0", "1"}
    scen = _read_csv(out / OPEN_DATA_DIR / "リスクシナリオ別.csv")
    assert [r[2] for r in scen[1:]][:3] == list(comp.master.scenarios)[:3]  # 1-1, 1-2, 1-3 as text


def test_an_internal_field_is_never_published(cycle) -> None:
    _, comp = cycle
    leaky = Dataset("x.csv", "x", (Field("事業ID", TEXT, "", "番号"), Field("備考", TEXT, "", "メモ")),
                    lambda c: pd.DataFrame({"事業ID": ["1"], "備考": ["内部"]}))
    with pytest.raises(ValueError, match="備考"):
        public_table(leaky, comp)


def _editions_match(comp, tmp: Path) -> None:
    from compiler.render_docx import write_draft, write_editions

    write_draft(comp, tmp / "draft.docx")
    write_draft(comp, tmp / "public.docx", public=True)
    write_editions(comp, tmp / "both-draft.docx", tmp / "both-public.docx")
    assert (tmp / "both-draft.docx").read_bytes() == (tmp / "draft.docx").read_bytes()
    assert (tmp / "both-public.docx").read_bytes() == (tmp / "public.docx").read_bytes()


def test_both_editions_in_one_pass_are_the_editions_written_alone(cycle, tmp_path) -> None:
    """The compile writes the draft and its 公表版 in one pass (write_editions): each must be the file
    write_draft writes on its own, with the internal sections, notes and columns only in the draft."""
    from tests.factories import make_compilation, refresh
    from tests.test_render_docx import synthetic

    _, comp = cycle
    for name, c in (("sample", comp), ("factory", refresh(make_compilation())), ("synthetic", refresh(synthetic(400)))):
        (tmp_path / name).mkdir()
        _editions_match(c, tmp_path / name)
