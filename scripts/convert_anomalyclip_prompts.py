#!/usr/bin/env python3
"""Convert an AnomalyCLIP prompt-learner checkpoint to safetensors for inspectd.

AnomalyCLIP's train.py saves ``{"prompt_learner": prompt_learner.state_dict()}`` as a
``.pth`` file. inspectd reads learned prompts from safetensors with AnomalyCLIP's
parameter names; this script does that conversion:

    python3 convert_anomalyclip_prompts.py epoch_15.pth -o prompts.safetensors --width 768
    python3 convert_anomalyclip_prompts.py --from-npz prompts.npz -o prompts.safetensors
    python3 convert_anomalyclip_prompts.py --self-test

Output tensors (all float32, little-endian):

    ctx_pos, ctx_neg          [1, 1, n, W] as in the checkpoint (n context tokens, text width W)
    compound_prompts_text.j   [k, W] for j = 0 .. depth-2 (deep prompts of text blocks 2 .. depth)

``compound_prompt_projections.*`` (unused by AnomalyCLIP's forward and by inspectd) are
dropped unless ``--keep-projections``; the prompt learner's buffers (``token_prefix_*``,
``token_suffix_*``, ``tokenized_prompts_*``, derived from the CLIP model and rebuilt by
inspectd) are always dropped. Anything else is an error unless ``--drop-unknown``.

Only the ``.pth`` reader needs PyTorch (imported lazily); writing needs numpy and the
standard library. Exit status: 0 converted, 1 environment or write failure (PyTorch
missing, output not writable, self-test failed), 2 bad input or usage.
"""

import argparse
import json
import os
import re
import struct
import sys
import tempfile

try:
    import numpy as np
except ImportError:  # pragma: no cover - depends on the environment
    sys.stderr.write("error: this script needs numpy (pip install numpy)\n")
    sys.exit(1)

FORMAT = "anomalyclip-prompts"
CONTEXT_KEYS = ("ctx_pos", "ctx_neg")
DEEP_PREFIX = "compound_prompts_text."
PROJECTION_PREFIX = "compound_prompt_projections."
# Registered buffers of AnomalyCLIP_PromptLearner: embeddings of the fixed prompt tokens and
# the token ids. They depend on the CLIP model, not on training; inspectd recomputes them.
DERIVED_BUFFERS = frozenset({
    "token_prefix_pos", "token_suffix_pos", "token_prefix_neg", "token_suffix_neg",
    "tokenized_prompts_pos", "tokenized_prompts_neg",
})
# Text widths of common CLIP towers, for the summary only.
KNOWN_WIDTHS = {512: "ViT-B/16, ViT-B/32", 768: "ViT-L/14, ViT-L/14@336 (AnomalyCLIP's default)",
                1024: "ViT-H/14", 1280: "ViT-bigG/14"}

EXIT_OK, EXIT_ENV, EXIT_BAD_INPUT = 0, 1, 2


class ConversionError(Exception):
    """Bad input: the message names the offending key and shape."""


class EnvironmentProblem(Exception):
    """Something outside the input is missing (PyTorch) or failing (writing the output)."""


def shape_str(array):
    return "[" + ", ".join(str(d) for d in array.shape) + "]"


def describe_keys(keys, limit=10):
    """A bounded key list for messages, projections (the least telling) last."""
    if not keys:
        return "none"
    keys = sorted(keys, key=lambda k: (k.startswith(PROJECTION_PREFIX), k))
    shown = ", ".join(keys[:limit])
    return shown if len(keys) <= limit else f"{shown}, ... ({len(keys) - limit} more)"


# ---------------------------------------------------------------------------- reading

def read_pth(path):
    """The state dict stored in a PyTorch checkpoint, as numpy arrays (lazy torch import)."""
    try:
        import torch
    except ImportError:
        raise EnvironmentProblem(
            "reading a .pth checkpoint needs PyTorch (pip install torch numpy); "
            "alternatively export the state dict to .npz and use --from-npz")
    try:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except TypeError:  # PyTorch < 1.13 has no weights_only (this path unpickles freely)
            obj = torch.load(path, map_location="cpu")
    except FileNotFoundError:
        raise ConversionError("no such file")
    except Exception as error:  # torch raises many types for corrupt files
        raise ConversionError(f"not a readable PyTorch checkpoint ({type(error).__name__}: {error})")
    state = unwrap(obj)
    arrays = {}
    for key, value in state.items():
        if not isinstance(value, torch.Tensor):
            raise ConversionError(f"{key}: expected a tensor, found {type(value).__name__}")
        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:  # numpy has no bfloat16; float32 holds it exactly
            value = value.float()
        arrays[key] = value.numpy()
    return arrays


def read_npz(path):
    """Arrays of an .npz archive, named like the state dict (``ctx_pos``, ...)."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise ConversionError("no such file")
    except Exception as error:
        raise ConversionError(f"not a readable .npz archive ({type(error).__name__}: {error})")


def unwrap(obj):
    """The prompt learner's state dict: ``obj["prompt_learner"]`` or ``obj`` itself."""
    if not hasattr(obj, "keys"):
        raise ConversionError(f"expected a dict (state dict or {{'prompt_learner': ...}}), "
                              f"found {type(obj).__name__}")
    if "prompt_learner" in obj:
        obj = obj["prompt_learner"]
        if not hasattr(obj, "keys"):
            raise ConversionError(f"'prompt_learner' is a {type(obj).__name__}, expected a state dict")
    return obj


def normalize_keys(state):
    """Strips ``module.`` (DataParallel) and ``prompt_learner.`` prefixes."""
    out = {}
    for key, value in state.items():
        name = str(key)
        changed = True
        while changed:
            changed = False
            for prefix in ("module.", "prompt_learner."):
                if name.startswith(prefix):
                    name, changed = name[len(prefix):], True
        if name in out:
            raise ConversionError(f"{key}: duplicates {name} once the 'module.' prefix is stripped")
        out[name] = value
    return out


# ---------------------------------------------------------------------------- converting

def as_float32(name, value):
    array = np.asarray(value)
    if not (np.issubdtype(array.dtype, np.floating)):
        raise ConversionError(f"{name}: dtype {array.dtype} with shape {shape_str(array)}, expected floating point")
    converted = np.ascontiguousarray(array, dtype="<f4")
    if not np.all(np.isfinite(converted)):
        bad = int(np.size(converted) - np.count_nonzero(np.isfinite(converted)))
        raise ConversionError(f"{name}: {bad} non-finite value(s) (NaN/Inf) in shape {shape_str(array)}")
    return converted


def convert(state, width=None, keep_projections=False, drop_unknown=False):
    """Validated float32 tensors for inspectd plus a report dict; raises ConversionError."""
    state = normalize_keys(state)
    present = sorted(state)
    for key in CONTEXT_KEYS:
        if key not in state:
            raise ConversionError(f"{key} missing: not in the checkpoint (keys: {describe_keys(present)})")

    tensors = {}
    source_dtypes = {}
    for key in CONTEXT_KEYS:
        array = np.asarray(state[key])
        if array.ndim < 2 or any(d != 1 for d in array.shape[:-2]) or 0 in array.shape:
            raise ConversionError(f"{key}: shape {shape_str(array)}, expected [1, 1, n, W] or [n, W] "
                                  "(one class, one state, n >= 1 context tokens)")
        tensors[key] = as_float32(key, array)
        source_dtypes[key] = str(array.dtype)
    pos, neg = tensors["ctx_pos"], tensors["ctx_neg"]
    if pos.shape != neg.shape:
        raise ConversionError(f"ctx_neg: shape {shape_str(neg)} differs from ctx_pos {shape_str(pos)}; "
                              "both contexts must have the same length and width")
    n, w = pos.shape[-2], pos.shape[-1]
    if width is not None and w != width:
        raise ConversionError(f"ctx_pos: width {w} (shape {shape_str(pos)}) but --width is {width}; "
                              "the prompts were trained for another CLIP text tower")

    deep = {}
    projections, buffers, unknown = [], [], []
    for key in present:
        if key in CONTEXT_KEYS:
            continue
        match = re.fullmatch(re.escape(DEEP_PREFIX) + r"(0|[1-9][0-9]*)", key)
        if match:
            deep[int(match.group(1))] = key
        elif key.startswith(PROJECTION_PREFIX):
            projections.append(key)
        elif key in DERIVED_BUFFERS:
            buffers.append(key)
        else:
            unknown.append(key)
    if unknown and not drop_unknown:
        described = ", ".join(f"{k} {shape_str(np.asarray(state[k]))}" for k in unknown)
        raise ConversionError(f"unexpected tensors: {described}; inspectd would reject them "
                              "(use --drop-unknown to leave them out)")

    expected = list(range(len(deep)))
    if sorted(deep) != expected:
        missing = [i for i in range(max(deep) + 1) if i not in deep]
        raise ConversionError(f"{DEEP_PREFIX}{missing[0]} missing: deep prompts must be numbered 0, 1, 2, ... "
                              f"without gaps (found {', '.join(deep[i] for i in sorted(deep))})")
    lengths = []
    for index in expected:
        key = deep[index]
        array = np.asarray(state[key])
        if array.ndim != 2 or array.shape[0] < 1:
            raise ConversionError(f"{key}: shape {shape_str(array)}, expected [k, {w}] with k >= 1")
        if array.shape[1] != w:
            raise ConversionError(f"{key}: width {array.shape[1]} (shape {shape_str(array)}) "
                                  f"differs from ctx_pos width {w}")
        tensors[key] = as_float32(key, array)
        source_dtypes[key] = str(array.dtype)
        lengths.append(int(array.shape[0]))

    if keep_projections:
        for key in projections:
            tensors[key] = as_float32(key, state[key])
            source_dtypes[key] = str(np.asarray(state[key]).dtype)

    report = {
        "context_tokens": int(n), "width": int(w), "context_shape": list(pos.shape),
        "deep_lengths": lengths, "projections": projections, "kept_projections": keep_projections,
        "buffers": buffers, "dropped_unknown": unknown if drop_unknown else [],
        "source_dtypes": sorted(set(source_dtypes.values())),
    }
    return tensors, report


# ---------------------------------------------------------------------------- safetensors

def safetensors_bytes(tensors, metadata):
    """A safetensors file: u64-LE header length, JSON header (space-padded to 8 bytes), data."""
    header = {"__metadata__": {str(k): str(v) for k, v in metadata.items()}}
    chunks, offset = [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": [int(d) for d in tensors[name].shape],
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    return struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks)


def write_safetensors(path, tensors, metadata):
    """Writes atomically (temporary file in the same folder, then rename); returns the size."""
    blob = safetensors_bytes(tensors, metadata)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix=".convert-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(blob)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
    except OSError as error:
        raise EnvironmentProblem(f"cannot write {path}: {error}")
    return len(blob)


def read_safetensors(blob):
    """Minimal F32-only reader (for --self-test): ({name: array}, metadata)."""
    if len(blob) < 8:
        raise ValueError("shorter than the 8-byte header length")
    (length,) = struct.unpack("<Q", blob[:8])
    if length % 8 or 8 + length > len(blob):
        raise ValueError(f"header length {length} is unaligned or beyond the file")
    header = json.loads(blob[8:8 + length].decode("utf-8"))
    data = blob[8 + length:]
    metadata = header.pop("__metadata__", {})
    tensors, end = {}, 0
    for name in sorted(header, key=lambda k: header[k]["data_offsets"][0]):
        entry = header[name]
        begin, stop = entry["data_offsets"]
        if entry["dtype"] != "F32" or begin != end or stop > len(data):
            raise ValueError(f"{name}: bad entry {entry}")
        count = int(np.prod(entry["shape"], dtype=np.int64))
        if stop - begin != 4 * count:
            raise ValueError(f"{name}: {stop - begin} bytes for shape {entry['shape']}")
        tensors[name] = np.frombuffer(data[begin:stop], dtype="<f4").reshape(entry["shape"])
        end = stop
    if end != len(data):
        raise ValueError(f"{len(data) - end} trailing data bytes")
    return tensors, metadata


# ---------------------------------------------------------------------------- summary

def summary(report, source, output, size, tensor_count):
    n, w = report["context_tokens"], report["width"]
    lines = [f"source:       {source} (dtype {', '.join(report['source_dtypes'])} -> float32)",
             f"context:      {n} tokens x width {w} (ctx_pos, ctx_neg {report['context_shape']})"]
    if w in KNOWN_WIDTHS:
        lines.append(f"width:        {w} is the text width of {KNOWN_WIDTHS[w]}")
    lengths = report["deep_lengths"]
    if lengths:
        shown = f"{lengths[0]} tokens each" if len(set(lengths)) == 1 else f"lengths {lengths}"
        lines.append(f"deep prompts: {len(lengths)} ({shown}; compound_prompts_text.0..{len(lengths) - 1}, "
                     f"text blocks 2..{len(lengths) + 1})")
    else:
        lines.append("deep prompts: none")
    if report["projections"]:
        verb = "kept   " if report["kept_projections"] else "dropped"
        lines.append(f"{verb}:      compound_prompt_projections.* ({len(report['projections'])} tensors, "
                     "unused by inspectd)")
    if report["buffers"]:
        lines.append(f"dropped:      {', '.join(report['buffers'])} (derived from the CLIP model)")
    if report["dropped_unknown"]:
        lines.append(f"dropped:      {', '.join(report['dropped_unknown'])} (--drop-unknown)")
    lines.append(f"wrote:        {output} ({size} bytes, {tensor_count} float32 tensors)")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- self-test

def random_state(rng, n=12, width=24, depth=9, length=4, half=True):
    """A state dict shaped like AnomalyCLIP_PromptLearner's (random values, numpy only)."""
    ctx_dtype = np.float16 if half else np.float32
    state = {
        "ctx_pos": (rng.standard_normal((1, 1, n, width)) * 0.02).astype(ctx_dtype),
        "ctx_neg": (rng.standard_normal((1, 1, n, width)) * 0.02).astype(ctx_dtype),
        "token_prefix_pos": rng.standard_normal((1, 1, 1, width)).astype(ctx_dtype),
        "token_suffix_pos": rng.standard_normal((1, 1, 77 - 1 - n, width)).astype(ctx_dtype),
        "token_prefix_neg": rng.standard_normal((1, 1, 1, width)).astype(ctx_dtype),
        "token_suffix_neg": rng.standard_normal((1, 1, 77 - 1 - n, width)).astype(ctx_dtype),
        "tokenized_prompts_pos": rng.integers(0, 49408, (1, 1, 77)).astype(np.int32),
        "tokenized_prompts_neg": rng.integers(0, 49408, (1, 1, 77)).astype(np.int32),
    }
    for j in range(depth - 1):
        state[f"compound_prompts_text.{j}"] = (rng.standard_normal((length, width)) * 0.02).astype(np.float32)
        state[f"compound_prompt_projections.{j}.weight"] = rng.standard_normal((896, width)).astype(np.float32)
        state[f"compound_prompt_projections.{j}.bias"] = rng.standard_normal(896).astype(np.float32)
    return state


def self_test():
    rng = np.random.default_rng(20240501)
    failures = []
    checks = 0

    def check(condition, what):
        nonlocal checks
        checks += 1
        if not condition:
            failures.append(what)

    def expect_error(state, needle, what, **options):
        try:
            convert(state, **options)
        except ConversionError as error:
            check(needle in str(error), f"{what}: message {str(error)!r} lacks {needle!r}")
        else:
            check(False, f"{what}: accepted")

    # Wrapped, DataParallel-prefixed, fp16 contexts: values and shapes survive a round trip.
    state = random_state(rng)
    wrapped = {"prompt_learner": {"module." + k: v for k, v in state.items()}}
    tensors, report = convert(unwrap(wrapped), width=24)
    blob = safetensors_bytes(tensors, {"format": FORMAT, "source": "self-test.pth"})
    (length,) = struct.unpack("<Q", blob[:8])
    check(length % 8 == 0 and blob[8 + length - 1:8 + length] in (b" ", b"}"), "header padded to 8 bytes")
    back, metadata = read_safetensors(blob)
    check(metadata == {"format": FORMAT, "source": "self-test.pth"}, f"metadata {metadata}")
    expected = ["compound_prompts_text.%d" % j for j in range(8)] + ["ctx_neg", "ctx_pos"]
    check(sorted(back) == sorted(expected), f"tensor names {sorted(back)}")
    for name in expected:
        original = state[name].astype(np.float32)
        check(back[name].shape == original.shape, f"{name} shape {back[name].shape}")
        check(np.array_equal(back[name], original), f"{name} values differ")
    check(report["context_tokens"] == 12 and report["width"] == 24 and report["deep_lengths"] == [4] * 8,
          f"report {report}")

    # Bare dict, [n, W] contexts, no deep prompts, projections kept.
    bare = {"ctx_pos": rng.standard_normal((3, 8)).astype(np.float32),
            "ctx_neg": rng.standard_normal((3, 8)).astype(np.float32),
            "compound_prompt_projections.0.weight": rng.standard_normal((896, 8)).astype(np.float32)}
    tensors, report = convert(unwrap(bare), keep_projections=True)
    back, _ = read_safetensors(safetensors_bytes(tensors, {"format": FORMAT, "source": "bare"}))
    check(sorted(back) == ["compound_prompt_projections.0.weight", "ctx_neg", "ctx_pos"], f"kept {sorted(back)}")
    check(np.array_equal(back["ctx_pos"], bare["ctx_pos"]), "bare ctx_pos values")
    check(report["deep_lengths"] == [], "no deep prompts")

    # The command line on an .npz, through a real file.
    with tempfile.TemporaryDirectory() as folder:
        npz, out = os.path.join(folder, "in.npz"), os.path.join(folder, "out.safetensors")
        np.savez(npz, **state)
        with open(os.devnull, "w") as sink:
            stdout, sys.stdout = sys.stdout, sink
            try:
                status = main(["--from-npz", npz, "-o", out, "--width", "24"])
            finally:
                sys.stdout = stdout
        check(status == EXIT_OK, f"--from-npz exit status {status}")
        with open(out, "rb") as handle:
            back, metadata = read_safetensors(handle.read())
        check(metadata.get("source") == "in.npz", f"npz metadata {metadata}")
        check(np.array_equal(back["ctx_neg"], state["ctx_neg"].astype(np.float32)), "npz ctx_neg values")

    # Bad inputs name the key and shape.
    missing = dict(state)
    del missing["ctx_neg"]
    expect_error(missing, "ctx_neg missing", "ctx_neg missing")
    unequal = dict(state, ctx_neg=np.zeros((1, 1, 8, 24), np.float32))
    expect_error(unequal, "[1, 1, 8, 24]", "unequal contexts")
    gap = dict(state)
    del gap["compound_prompts_text.3"]
    expect_error(gap, "compound_prompts_text.3 missing", "deep prompt gap")
    narrow = dict(state, **{"compound_prompts_text.5": np.zeros((4, 16), np.float32)})
    expect_error(narrow, "compound_prompts_text.5: width 16", "deep prompt width")
    expect_error(state, "--width is 768", "width option", width=768)
    batched = dict(state, ctx_pos=np.zeros((2, 1, 12, 24), np.float32), ctx_neg=np.zeros((2, 1, 12, 24), np.float32))
    expect_error(batched, "ctx_pos: shape [2, 1, 12, 24]", "per-class contexts")
    extra = dict(state, visual_adapter=np.zeros(3, np.float32))
    expect_error(extra, "visual_adapter [3]", "unknown tensor")
    check("visual_adapter" not in convert(extra, drop_unknown=True)[0], "--drop-unknown")
    nan = dict(state, ctx_pos=np.full((1, 1, 12, 24), np.nan, np.float32))
    expect_error(nan, "ctx_pos: 288 non-finite", "NaN context")

    if failures:
        for failure in failures:
            print(f"self-test FAILED: {failure}", file=sys.stderr)
        return EXIT_ENV
    print(f"self-test passed ({checks} checks)")
    return EXIT_OK


# ---------------------------------------------------------------------------- command line

def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Convert AnomalyCLIP's prompt-learner checkpoint (.pth from train.py) to the "
                    "safetensors file inspectd loads (inspectctl model import-prompts, [model] prompts).",
        epilog="Exit status: 0 converted, 1 PyTorch missing / write failure / self-test failed, "
               "2 bad input or usage.")
    parser.add_argument("checkpoint", nargs="?", help="AnomalyCLIP checkpoint (.pth), e.g. epoch_15.pth")
    parser.add_argument("--from-npz", metavar="FILE.npz",
                        help="read the state dict from an .npz with the same array names (no PyTorch needed)")
    parser.add_argument("-o", "--output", metavar="FILE.safetensors", help="where to write the prompts")
    parser.add_argument("--width", type=int, metavar="W",
                        help="require text width W (768 for ViT-L/14@336, the model AnomalyCLIP trains with)")
    parser.add_argument("--keep-projections", action="store_true",
                        help="also write compound_prompt_projections.* (inspectd ignores them)")
    parser.add_argument("--drop-unknown", action="store_true",
                        help="leave out tensors that are not AnomalyCLIP prompt-learner parameters instead of failing")
    parser.add_argument("--self-test", action="store_true",
                        help="convert a random state dict, read it back and compare (numpy only)")
    args = parser.parse_args(argv)
    if args.self_test:
        return args
    if bool(args.checkpoint) == bool(args.from_npz):
        parser.error("give exactly one input: a .pth checkpoint or --from-npz FILE.npz")
    if not args.output:
        parser.error("-o/--output FILE.safetensors is required")
    if args.width is not None and args.width <= 0:
        parser.error("--width must be positive")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        return self_test()
    source = args.from_npz or args.checkpoint
    try:
        if args.from_npz:
            state = unwrap(read_npz(source))
        else:
            state = read_pth(source)
        tensors, report = convert(state, width=args.width, keep_projections=args.keep_projections,
                                  drop_unknown=args.drop_unknown)
        metadata = {"format": FORMAT, "source": os.path.basename(source)}
        size = write_safetensors(args.output, tensors, metadata)
    except ConversionError as error:
        print(f"error: {source}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except EnvironmentProblem as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ENV
    print(summary(report, source, args.output, size, len(tensors)))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
