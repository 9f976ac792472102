"""A model directory, loaded without any deep-learning framework: one joint U-Net for every
stem (``model_joint.keras``, whose card's ``architecture`` is ``mixin-unet-1``, ``-2`` or
``-3``), or one CDAE per stem (``model_<stem>.keras`` or ``.h5``)."""

from __future__ import annotations

from pathlib import Path

from .. import config
from ..errors import ModelLoadError
from .files import find_model_file, read_card, read_weights, unknown_architecture
from .runtime import ModelSet
from .unet_arch import ARCHS as UNET_ARCHS
from .unet_arch import FILE_STEM as JOINT
from .unet_arch import STEMS as JOINT_STEMS
from .unet_arch import read_unet_weights


def joint_model_file(model_dir):
    """``model_dir``'s joint network file (``model_joint.keras``), or None."""
    path = Path(model_dir) / f"model_{JOINT}.keras"
    return path if path.is_file() else None


def read_joint(path):
    """Card and weights of a joint network file, after checking the card's architecture.

    Raises
    ------
    ModelLoadError
        The card names an architecture this version does not read, or the file is not it.
    """
    card_path = Path(path).with_suffix(".json")
    if not card_path.is_file():
        raise ModelLoadError(f"Model file '{path}' has no model card '{card_path.name}' beside "
                             f"it; MiXiN needs the card to know which network the file holds.")
    card = read_card(path)
    arch = card.get("architecture")
    if arch is None:
        raise ModelLoadError(f"Model card '{card_path}' does not name the network's "
                             f"architecture (its 'architecture' key is missing).")
    if arch not in UNET_ARCHS:
        raise unknown_architecture(path, arch)
    return card, read_unet_weights(path, arch)


def read_runtime_graph(path, card):
    """The serialized ONNX graph a joint set's card names as its runtime file
    (``runtime_graph``: a file beside the model, e.g. a quantized graph with its own fixed
    channel padding), or None: the engine builds the fp32 graph from the weights.

    Raises
    ------
    ModelLoadError
        The card names a file that is missing or not an ONNX graph.
    """
    name = card.get("runtime_graph")
    if not name:
        return None
    graph = Path(path).parent / str(name)
    if Path(str(name)).name != str(name) or not graph.is_file():
        raise ModelLoadError(f"Model card of '{path}' names the runtime graph '{name}', "
                             f"which is not a file beside it.")
    data = graph.read_bytes()
    if not data[:2] or data[0] != 0x08:  # an ONNX ModelProto starts with ir_version (field 1)
        raise ModelLoadError(f"'{graph}' is not an ONNX graph.")
    return data


def graph_logit_scale(card):
    """The logit scale that applies a joint set's card's mask calibration inside its graph:
    its exponent when it is one exponent for every stem and no weights (softmax of ``a z``
    is the masks ``M^a``, renormalised), else 1 (the engine then calibrates in numpy)."""
    from .discovery import recommended_mask_calibration

    exponents, weights = recommended_mask_calibration(card)
    values = {exponents.get(s, 1.0) for s in JOINT_STEMS}
    if len(values) == 1 and all(w == 1.0 for w in weights.values()):
        return values.pop()
    return 1.0


def load_model_dir(model_dir, stems=config.STEMS, *, threads=None, device="cpu"):
    """Load the models for ``stems`` from ``model_dir`` into one ONNX Runtime session.

    Parameters
    ----------
    model_dir : path-like
    stems : sequence of str
    threads : int or None
        The runtime's intra-op threads (None: :data:`runtime.DEFAULT_THREADS`).
    device : {"cpu", "cuda"}

    Returns
    -------
    ModelSet

    Raises
    ------
    ModelLoadError
        A model is missing, unreadable or of the wrong shape (the message names it).
    """
    model_dir = Path(model_dir)
    joint = joint_model_file(model_dir)
    if joint is not None:
        unknown = [s for s in stems if s not in JOINT_STEMS]
        if unknown:
            raise ModelLoadError(f"The joint network in '{model_dir}' has no {unknown[0]} "
                                 f"stem.")
        card, weights = read_joint(joint)
        graph = read_runtime_graph(joint, card)
        return ModelSet(model_dir, stems, {s: joint for s in stems},
                        {s: card for s in stems}, {JOINT: weights}, threads=threads,
                        joint=True, device=device, logit_scale=graph_logit_scale(card),
                        graph=graph)
    files, weights = {}, {}
    for s in stems:  # stem by stem, so the first problem reported is the first stem's
        files[s] = find_model_file(model_dir, s)
        weights[s] = read_weights(files[s])
    cards = {s: read_card(files[s]) for s in stems}
    return ModelSet(model_dir, stems, files, cards, weights, threads=threads, device=device)


def inspect_model_dir(model_dir, stems=config.STEMS):
    """Validate every model of a directory without stopping at the first problem.

    Returns
    -------
    list of dict
        One entry per stem: ``stem``, ``file`` (or None), ``ok``, ``error``, ``card`` and,
        when ok, ``params``.
    """
    joint = joint_model_file(model_dir)
    if joint is not None:
        row = {"stem": "+".join(stems), "file": joint, "ok": False, "error": None,
               "card": None}
        try:
            card, weights = read_joint(joint)
            row.update(ok=True, card=card,
                       params=int(sum(k.size + b.size for k, b in weights.values())))
        except ModelLoadError as exc:
            row["error"] = str(exc)
        return [row]
    rows = []
    for s in stems:
        row = {"stem": s, "file": None, "ok": False, "error": None, "card": None}
        try:
            path = find_model_file(model_dir, s)
            row["file"] = path
            weights = read_weights(path)
            row["params"] = int(sum(k.size + b.size for k, b in weights))
            row["card"] = read_card(path)
            row["ok"] = True
        except ModelLoadError as exc:
            row["error"] = str(exc)
        rows.append(row)
    return rows
