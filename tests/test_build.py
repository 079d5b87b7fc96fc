"""The orchestrator: byte-identical outputs, atomic replacement, row accounting asserted every run."""
import hashlib
from pathlib import Path

import pytest

from compiler import build as build_mod
from compiler.build import AccountingError, build, check_accounting, compile_cycle

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample-city" / "R7"


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def first_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    build(SAMPLE, out)
    return out


def test_same_inputs_give_byte_identical_outputs(first_build, tmp_path):
    build(SAMPLE, tmp_path)
    a, b = digests(first_build), digests(tmp_path)
    assert a == b
    assert {"クロスリファレンス.xlsx", "実施計画（案）.docx", "効果検証報告書（案）.docx"} <= set(a)
    # 0202 and 0301 for their 関連個別計画, 0602_観光プロモーション課 for its 予算事務事業 of another 課
    assert sum(1 for k in a if k.startswith("返送/")) == 13


def test_failed_writer_leaves_previous_outputs(first_build, monkeypatch):
    before = digests(first_build)

    def broken(comp, path):
        Path(path).write_bytes(b"half written")
        raise RuntimeError("disk full")

    monkeypatch.setattr("compiler.render_docx.write_draft", broken)
    with pytest.raises(RuntimeError):
        build(SAMPLE, first_build)
    assert digests(first_build) == before
    assert not [p for p in first_build.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_output_held_open_leaves_every_previous_output(first_build, tmp_path, monkeypatch, capsys):
    """On Windows, Excel holds an open workbook locked: renaming it fails.  The compile must stop with
    a message, the outputs already set aside must come back, and no output be half replaced."""
    import shutil

    from compiler.cli import main

    out = tmp_path / "out"
    shutil.copytree(first_build, out)
    before = digests(out)
    real_replace = build_mod.os.replace

    def locked(src, dst):
        if out / "実施計画（案）.docx" in (Path(src), Path(dst)):  # neither renamed nor replaced while open
            raise PermissionError(13, "別のプロセスが使用中です", str(src))
        return real_replace(src, dst)

    monkeypatch.setattr(build_mod.os, "replace", locked)
    assert main(["compile", str(SAMPLE), "--output", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ファイルを書き込めません: {out / '実施計画（案）.docx'}（別のプロセスが使用中です）")
    assert "Excel などで開いたままにしていないか" in err and "以前の出力はそのまま残っています" in err
    assert digests(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_accounting_is_checked(first_build):
    comp = compile_cycle(SAMPLE)
    comp.rows_excluded += 1
    with pytest.raises(AccountingError):
        check_accounting(comp)
