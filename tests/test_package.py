"""The package of a return is written by our own zip writer: readable by zipfile, CRCs right,
untouched parts copied still compressed, byte for byte."""
from __future__ import annotations

import zipfile
from pathlib import Path

from compiler.xlsx.package import Package
from tests.test_returns import make_department_book


def compressed(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z, open(path, "rb") as fh:
        info = z.getinfo(name)
        fh.seek(info.header_offset + 26)
        name_len, extra_len = int.from_bytes(fh.read(2), "little"), int.from_bytes(fh.read(2), "little")
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        return fh.read(info.compress_size)


def test_saved_package_reads_back_with_untouched_parts_copied_compressed(tmp_path: Path) -> None:
    src = make_department_book(tmp_path / "b.xlsx")
    pkg = Package(src)
    pkg.parts["xl/workbook.xml"] = pkg.parts["xl/workbook.xml"].replace(b"<sheets>", b"<sheets>", 1)  # read and set
    pkg.parts["xl/media/画像.xml"] = "<x>新しい部品</x>".encode()  # a new part with a non-ASCII name
    out = tmp_path / "out.xlsx"
    pkg.save(out)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert b.testzip() is None  # every CRC matches
        names = [i.filename for i in a.infolist() if not i.is_dir()]
        assert b.namelist() == names + ["xl/media/画像.xml"]
        for name in names:
            assert b.read(name) == a.read(name), name
        assert b.read("xl/media/画像.xml").decode() == "<x>新しい部品</x>"
        assert {i.date_time for i in b.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    untouched = "xl/worksheets/sheet2.xml"
    assert compressed(out, untouched) == compressed(src, untouched)
    pkg2 = Package(src)
    pkg2.save(tmp_path / "again.xlsx")
    pkg3 = Package(src)
    pkg3.save(tmp_path / "again2.xlsx")
    assert (tmp_path / "again.xlsx").read_bytes() == (tmp_path / "again2.xlsx").read_bytes()


def test_parts_read_from_the_zip_bytes_equal_zipfile_s(tmp_path: Path) -> None:
    """Stored and deflated members are inflated from the file's bytes (heads too), as zipfile reads
    them; a member of another method still goes through zipfile."""
    import pytest

    from compiler.xlsx.package import PackageError

    src = make_department_book(tmp_path / "b.xlsx")
    mixed = tmp_path / "mixed.xlsx"
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(mixed, "w") as b:
        for i, info in enumerate(a.infolist()):
            method = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2)[i % 3]
            b.writestr(info.filename, a.read(info), compress_type=method)
    pkg = Package(mixed)
    with zipfile.ZipFile(mixed) as z:
        for info in z.infolist():
            assert pkg.parts.head(info.filename, 100) == z.read(info)[:100], info.filename
            assert pkg.parts[info.filename] == z.read(info), info.filename
            assert pkg.parts.head(info.filename, 100) == z.read(info)[:100], info.filename
    # a member whose bytes do not match its CRC is refused
    with zipfile.ZipFile(mixed) as z:
        info = next(i for i in z.infolist() if i.compress_type == zipfile.ZIP_STORED and i.file_size > 10)
    raw = bytearray(mixed.read_bytes())
    name_len, extra_len = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little"), \
        int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
    at = info.header_offset + 30 + name_len + extra_len + 5
    raw[at] = raw[at] ^ 0x20
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(bytes(raw))
    with pytest.raises(PackageError):
        Package(broken).parts[info.filename]
