"""What both fuzz targets share: bytes in a file of the right suffix, seeds made on the spot, libFuzzer's run.

A target is a function of one file path. The fuzzer's bytes pick the suffix (first byte) and are the
file (the rest), so one run covers every container a suffix leads to. The target's own error type is
its answer to a bad file; any other exception escaping is a crash, which atheris reports and saves
(``crash-*`` under the work folder) for the corpus test.

Nothing binary is kept in the repository: the seed corpus is written, by the seed makers given,
into a work folder under the system's temp dir (``FORMCHECK_FUZZ_DIR`` to choose another), where
libFuzzer also keeps what it learns between runs.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import atheris

Target = Callable[[Path], object]


def work_dir(name: str) -> Path:
    root = Path(os.environ.get("FORMCHECK_FUZZ_DIR") or Path(tempfile.gettempdir()) / "formcheck-fuzz")
    return root / name


def encode(suffix: str, content: bytes, suffixes: Sequence[str]) -> bytes:
    """A fuzzer input that is ``content`` in a file named ``*suffix``."""
    return bytes([suffixes.index(suffix)]) + content


def _escaped(token: bytes) -> str:
    """A token as libFuzzer's dictionary writes it: printable ASCII as is, every other byte as \\xNN."""
    return "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\x{b:02x}" for b in token)


def _seed(corpus: Path, seeds: Callable[[Path], dict[str, bytes]], suffixes: Sequence[str]) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    if any(corpus.iterdir()):
        return
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in seeds(Path(tmp)).items():
            (corpus / name).write_bytes(encode(Path(name).suffix, content, suffixes))


def fuzz(
    name: str,
    target: Target,
    expected: type[Exception],
    suffixes: Sequence[str],
    seeds: Callable[[Path], dict[str, bytes]],
    tokens: Sequence[bytes] = (),
) -> None:
    """Run libFuzzer on ``target`` (its command-line options come from ``sys.argv``, e.g. -max_total_time=60).

    ``tokens`` are words of the format (column names, box types) the mutator splices in whole.
    """
    work = work_dir(name)
    corpus = work / "corpus"
    _seed(corpus, seeds, suffixes)
    dictionary = work / "tokens.dict"
    dictionary.write_text("".join(f'"{_escaped(t)}"\n' for t in tokens))
    scratch = work / "scratch"  # where each input is written; one run of a target at a time
    scratch.mkdir(exist_ok=True)

    def one_input(data: bytes) -> None:
        if not data:
            return
        path = scratch / f"input{suffixes[data[0] % len(suffixes)]}"
        path.write_bytes(data[1:])
        try:
            target(path)
        except expected:
            pass

    options = [a for a in sys.argv[1:] if a.startswith("-")]
    folders = [a for a in sys.argv[1:] if not a.startswith("-")] or [str(corpus)]
    args = [sys.argv[0], f"-artifact_prefix={work}/", f"-dict={dictionary}", *options, *folders]
    atheris.Setup(args, one_input)
    atheris.Fuzz()
