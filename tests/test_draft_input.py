"""Reading a source text: malformed input fails with a clear message."""

from pathlib import Path

import pytest

from service.draft import DraftInputError, read_source_text

CASES = Path(__file__).parent / "draft_cases"


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DraftInputError, match="empty"):
        read_source_text(CASES / "empty.txt")
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\n\t\n", encoding="utf-8")
    with pytest.raises(DraftInputError, match="empty"):
        read_source_text(blank)


def test_binary_file() -> None:
    with pytest.raises(DraftInputError, match="binary"):
        read_source_text(CASES / "binary.txt")


def test_wrong_encoding_names_the_byte() -> None:
    offset = (CASES / "bad-encoding.txt").read_bytes().index(b"\x81")
    with pytest.raises(DraftInputError, match=rf"not UTF-8: byte {offset} \(0x81\)"):
        read_source_text(CASES / "bad-encoding.txt")


def test_windows_1252_swedish_text_is_recognised() -> None:
    text = read_source_text(CASES / "cp1252.txt")
    assert "Integrationsplan för Småby kommun" in text and "– i synnerhet –" in text


def test_utf8_with_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffRubrik\r\n\r\nÅtgärder för alla.\r\n".encode("utf-8"))
    assert read_source_text(path) == "Rubrik\n\nÅtgärder för alla.\n"


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes("Rubrik\n\nMål för integration.\n".encode("utf-16"))
    assert read_source_text(path).startswith("Rubrik")


def test_huge_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"Integration. " * 100_000)
    with pytest.raises(DraftInputError, match="more than the limit"):
        read_source_text(path, max_bytes=1_000_000)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DraftInputError, match="no such file"):
        read_source_text(tmp_path / "nothing.txt")
