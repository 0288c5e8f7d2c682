"""A QR code of ours in which zxing-cpp, reading every format, also sees a Codabar."""

from pathlib import Path

from registry import qrcodes
from tests.scanning import scan

# Found by rendering random tokens as long as a sub-certificate's: zxing-cpp 3.1 reads a
# Codabar "C89A" in this image besides the QR code (about one image in 1,200).
CODABAR_GHOST = (
    "https://registry.example/v/Kd.ENmL2Ou81BoYZI8UhWUC67cPQdLEda_n9_.SZBwh_vKTz67WU9"
    "ftO.ghfCkLaAdwXQhV7_mwqQNbFsy43-rRtWqzOviaWlgO2-mDn0EeO63rn_PJgD8HqtrE9OzEj-ydF6"
    "EOSHTCWqQ2IJ2hSW3fggDOcdSz0ZAzgeT3L2uszn_W4fH4xlSqZGiyBw5NZ4HdX7AuhRgefc9sx.Gzed"
    "QyHKxtqaOyrImHeYWlo8-vZ2yJGK8y33dXF8MozD66FOpcP7YThE6QF7Q1pS4kXp-h3Rgen5Sd6RUq_2"
    "1rl.hvvsjLZN6ykzu_bsXmHzP-lnuXq7bOD1vscMdhPDp63zhkHF5GtrOz9Wr8AR1kcpYUjWj9Yam14."
    "Q1dD.voNBatGa4UbPAYRquEKwnZJ6xT9QWgcUfh9yXSqkb8M8nOsY4AAUb7eLrIGUWE87Q1eAaU5QaS."
    "uVSBQWb1uV0-EV69a0N6V5GqwOBXPcfrOcyg2ixHzRaErr8mK07GAxcJLlof2nAWjW62iRFiNv5ym90L"
    "9NcPSdGITa2QFjR-Ihs8iZutYCh.eFiFaDeoEeFC.FiwPQMMovx-Qj.lh.g-OAHsdgESRg5U"
)


def test_a_scan_reads_the_one_qr_code_where_zxing_also_sees_a_codabar() -> None:
    assert scan(qrcodes.png(CODABAR_GHOST)) == CODABAR_GHOST


def test_the_cli_decodes_only_the_qr_code_where_zxing_also_sees_a_codabar(tmp_path: Path) -> None:
    image = tmp_path / "scanned.png"
    image.write_bytes(qrcodes.png(CODABAR_GHOST))

    assert qrcodes.decode(image) == [CODABAR_GHOST]
