"""``mixin models [DIR]``: list and validate the models of a directory."""

from __future__ import annotations

from ..paths import default_model_dir


def register(sub):
    p = sub.add_parser("models", help="list and validate a model directory",
                       description="Check that DIR holds a loadable MiXiN CDAE per stem "
                                   "and show each model card.")
    p.add_argument("model_dir", nargs="?", default=None, metavar="DIR",
                   help="model directory (default: the bundled pretrained-models/)")
    p.set_defaults(func=run_models, needs_backend=True)


def run_models(args):
    from ..model.stems import inspect_model_dir

    model_dir = args.model_dir or default_model_dir()
    print(f"models in {model_dir}:")
    rows = inspect_model_dir(model_dir)
    for row in rows:
        if row["ok"]:
            print(f"  {row['stem']:<10} ok   {row['file'].name}  "
                  f"{row['params']:,} parameters  {describe_card(row['card'])}")
        else:
            print(f"  {row['stem']:<10} FAIL {row['error']}")
    bad = [r for r in rows if not r["ok"]]
    if bad:
        vocal_only = all(r["stem"] == "vocal" for r in bad)
        print("vocal model unusable: only --instrumental separation will work" if vocal_only
              else f"{len(bad)} of {len(rows)} models unusable")
        return 1
    print("all models ok")
    return 0


def describe_card(card):
    """One line from a model card: architecture, training data and the headline score."""
    parts = [card.get("architecture", "unknown architecture")]
    data = card.get("training_data")
    if isinstance(data, dict):
        source = data.get("source", {})
        chunks = data.get("chunks", {}).get("train")
        what = source.get("generator") or data.get("data_dir", "")
        parts.append(f"trained on {chunks} chunks ({what})" if chunks else f"data: {what}")
        if card.get("epochs"):
            parts.append(f"{card['epochs']} epochs")
    elif data:
        parts.append(f"data: {data}")
    sdr = card.get("evaluation", {}).get("median_sdr_db", {}).get("ours")
    if sdr is not None:
        parts.append(f"held-out median SDR {sdr:.2f} dB")
    return ", ".join(parts)
