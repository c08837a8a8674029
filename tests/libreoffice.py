"""Print a workbook as LibreOffice does and count each sheet's pages (for tests).

LibreOffice is what many partners open the workbook in, and its PDF export
follows each sheet's page setup (paper, orientation, fit to page, print area),
so the pages of the PDF are the pages a reader prints. Every sheet the service
writes carries its own title at the left of the page header (xlsx.mark_sheet),
so each PDF page is put to its sheet by the first line of its text.

Needs `soffice` (Debian's libreoffice-calc-nogui) and `pdftotext` (poppler-utils);
`missing()` says which is absent, for a skip message. No Python dependency.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

RENDER_TIMEOUT_SECONDS = 120


def soffice() -> str | None:
    """Return LibreOffice's command, or None where it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def missing() -> str | None:
    """Return why workbooks cannot be printed here, or None when they can."""
    if soffice() is None:
        return "LibreOffice is not installed (apt-get install libreoffice-calc-nogui)"
    for tool in ("pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install poppler-utils)"
    return None


def to_pdf(workbook: Path, folder: Path) -> Path:
    """Print the workbook to a PDF in `folder` with LibreOffice headless; return its path.

    A profile of its own in `folder`, so that a LibreOffice the person has open, or
    another test, does not get in the way.
    """
    command = soffice()
    assert command is not None, missing()
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-", dir=folder))
    subprocess.run(
        [
            command,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=RENDER_TIMEOUT_SECONDS,
    )
    pdf = folder / (workbook.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice wrote no PDF for {workbook}"
    return pdf


def page_count(pdf: Path) -> int:
    """Return the number of pages of a PDF (pdfinfo)."""
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    for line in info.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError(f"pdfinfo gave no page count for {pdf}")


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Return every page's (width, height) in points: A4 landscape is about (842, 595)."""
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", str(page_count(pdf)), str(pdf)],
        check=True,
        capture_output=True,
        text=True,
    )
    sizes = []
    for line in info.stdout.splitlines():
        match = re.match(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", line)
        if match:
            sizes.append((float(match.group(1)), float(match.group(2))))
    return sizes


def is_a4_landscape(size: tuple[float, float]) -> bool:
    """Tell whether a page size is A4 landscape (297 x 210 mm), to a point or two."""
    return abs(size[0] - 841.9) < 2 and abs(size[1] - 595.3) < 2


def sheet_pages_sized(pdf: Path, sheet_names: list[str]) -> dict[str, list[tuple[float, float]]]:
    """Return, for each sheet, the sizes of the pages it printed on (see `sheet_pages`)."""
    by_length = sorted(sheet_names, key=len, reverse=True)
    found: dict[str, list[tuple[float, float]]] = {}
    for heading, size in zip(page_headings(pdf), page_sizes(pdf), strict=True):
        name = next((n for n in by_length if heading.startswith(n)), None)
        assert name is not None, f"a page of {pdf.name} has no sheet title: {heading!r}"
        found.setdefault(name, []).append(size)
    return found


def page_headings(pdf: Path) -> list[str]:
    """Return the first line of text of every page, in order (the page header)."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    return [
        next((line.strip() for line in page.splitlines() if line.strip()), "") for page in pages
    ]


def sheet_pages(pdf: Path, sheet_names: list[str]) -> Counter[str]:
    """Return how many pages each sheet printed on, by the title in each page's header.

    The longest title a heading starts with wins ("Debriefs (answers)" over "Debriefs").
    """
    sized = sheet_pages_sized(pdf, sheet_names)
    return Counter({name: len(sizes) for name, sizes in sized.items()})


def to_png(pdf: Path, prefix: Path, resolution: int = 60) -> list[Path]:
    """Turn every page of a PDF into a PNG (pdftoppm), to look at; return their paths."""
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(resolution), str(pdf), str(prefix)],
        check=True,
        capture_output=True,
    )
    return sorted(prefix.parent.glob(prefix.name + "-*.png"))
