"""Convert a .docx to PDF with LibreOffice, updating the 目次 first.

A plain `soffice --convert-to pdf` prints the TOC field as it is stored (headings without page
numbers).  Here LibreOffice is driven through UNO: the document is loaded, every index
(the 目次) is updated with the page numbers of this layout, and then it is exported to PDF.

Run it with the Python that has the `uno` module (the system python3 with python3-uno, which
comes with LibreOffice), not the project's virtualenv:

    /usr/bin/python3 tools/docx_to_pdf.py output/R7/実施計画（案）.docx preview/実施計画（案）.pdf

Exit status 0 on success; 2 when `uno` cannot be imported (the caller falls back to a plain
conversion); 1 on any other failure.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import uno
    from com.sun.star.beans import PropertyValue
except ImportError:  # not the LibreOffice python
    sys.stderr.write("docx_to_pdf: the uno module is not available (install python3-uno)\n")
    sys.exit(2)

CONNECT_SECONDS = 60


def prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe: str):  # type: ignore[no-untyped-def]
    """The component context of the office listening on `pipe` (waits for it to start)."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:  # noqa: BLE001 - NoConnectException until the office is up
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def convert(src: Path, dst: Path, profile: Path) -> None:
    pipe = f"docx_to_pdf_{os.getpid()}"
    office = shutil.which("soffice") or "soffice"
    proc = subprocess.Popen([office, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                             f"-env:UserInstallation={profile.resolve().as_uri()}",
                             f"--accept=pipe,name={pipe};urp;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    desktop = None
    try:
        ctx = connect(pipe)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(src.resolve().as_uri(), "_blank", 0, (prop("Hidden", True),))
        if doc is None:
            raise RuntimeError(f"LibreOffice could not open {src}")
        try:
            indexes = doc.getDocumentIndexes()
            for i in range(indexes.getCount()):
                indexes.getByIndex(i).update()
            doc.refresh()
            dst.parent.mkdir(parents=True, exist_ok=True)
            doc.storeToURL(dst.resolve().as_uri(), (prop("FilterName", "writer_pdf_Export"),))
        finally:
            doc.close(True)
    finally:
        if desktop is not None:
            try:
                desktop.terminate()
            except Exception:  # noqa: BLE001 - the bridge drops as the office exits
                pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: docx_to_pdf.py INPUT.docx OUTPUT.pdf\n")
        return 1
    src, dst = Path(argv[0]), Path(argv[1])
    if not src.is_file():
        sys.stderr.write(f"docx_to_pdf: {src} not found\n")
        return 1
    with tempfile.TemporaryDirectory(prefix="docx_to_pdf_") as profile:
        try:
            convert(src, dst, Path(profile))
        except Exception as exc:  # noqa: BLE001 - one line for the Makefile
            sys.stderr.write(f"docx_to_pdf: {exc}\n")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
