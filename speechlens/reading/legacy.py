"""Legacy word-processor files (.doc, .wps) converted to text by a tool installed on the machine:
LibreOffice (both formats) or antiword (.doc). Without one, a one-line error says what to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from speechlens.errors import DocumentError, EmptyDocumentError

LEGACY_SUFFIXES = (".doc", ".wps")
TIMEOUT = 180  # seconds; LibreOffice's first start on a fresh profile takes a while


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def legacy_text(path: str | os.PathLike[str]) -> tuple[str, str]:
    """The text of a .doc or .wps file and the tool that converted it."""
    p = Path(path)
    suffix = p.suffix.lower()
    office = _soffice()
    if office:
        with tempfile.TemporaryDirectory(prefix="speechlens-office-") as tmp:
            profile = Path(tmp, "profile").as_uri()  # a private profile: no clash with a running office
            cmd = [office, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                   "--convert-to", "txt:Text (encoded):UTF8", "--outdir", tmp, str(p)]
            out = Path(tmp, p.stem + ".txt")
            try:
                run = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise DocumentError(p, f"LibreOffice took more than {TIMEOUT} s to convert it") from None
            if out.exists():
                return _checked(p, out.read_bytes().decode("utf-8-sig", errors="replace")), "libreoffice"
            if suffix == ".wps" or not shutil.which("antiword"):
                err = (run.stderr or run.stdout).decode("utf-8", "replace").strip().splitlines()
                raise DocumentError(p, "LibreOffice could not convert it" + (f" ({err[-1]})" if err else "")
                                    + ": open and save it as .docx")
    if suffix == ".doc" and shutil.which("antiword"):
        run = subprocess.run(["antiword", "-m", "UTF-8.txt", "-w", "0", str(p)], capture_output=True,
                             timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        if run.returncode != 0:
            err = run.stderr.decode("utf-8", "replace").strip().splitlines()
            raise DocumentError(p, "antiword could not read it" + (f" ({err[-1]})" if err else "")
                                + ": open and save it as .docx")
        return _checked(p, run.stdout.decode("utf-8", errors="replace")), "antiword"
    tools = "LibreOffice (apt-get install libreoffice-writer)" + (" or antiword (apt-get install antiword)"
                                                                   if suffix == ".doc" else "")
    raise DocumentError(p, f"reading {suffix} files needs {tools}, or save it as .docx")


def _checked(p: Path, text: str) -> str:
    if not text.strip():
        raise EmptyDocumentError(p, "empty document (no text)")
    return text
