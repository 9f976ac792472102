"""``mixin models [NAME|DIR]``: list the bundled model sets, or validate one set's models."""

from __future__ import annotations

from ..model.discovery import default_set_dir, model_sets, resolve_model_dir, set_name
from ..modelcard import describe_card, licence_lines, summary_line


def register(sub):
    p = sub.add_parser("models", help="list the model sets, or check one",
                       description="Without an argument, list the bundled model sets by "
                                   "name with each card's summary. With NAME or DIR, check "
                                   "that the set loads and show its model cards.")
    p.add_argument("model_dir", nargs="?", default=None, metavar="NAME|DIR",
                   help="a bundled set by name, or a model folder")
    p.set_defaults(func=run_models)


def list_sets():
    """Print one line per bundled set (name, then its card's summary); 0 when any."""
    from ..model.stems import inspect_model_dir

    sets = model_sets()
    if not sets:
        print("no model sets are bundled; pass a model folder to check it")
        return 1
    default = set_name(default_set_dir())
    print("model sets (separate --model NAME):")
    for name, folder in sets.items():
        rows = inspect_model_dir(folder)
        card = next((r["card"] for r in rows if r["ok"]), None)
        state = "ok" if all(r["ok"] for r in rows) else "FAIL"
        mark = " (default)" if name == default else ""
        print(f"  {name}{mark}: {state}, {summary_line(card) if card else rows[0]['error']}")
    return 0


def run_models(args):
    from ..model.stems import inspect_model_dir

    if args.model_dir is None and model_sets():
        return list_sets()
    model_dir = resolve_model_dir(args.model_dir, required=False)
    print(f"models in {model_dir}:")
    rows = inspect_model_dir(model_dir)
    for row in rows:
        if row["ok"]:
            print(f"  {row['stem']:<10} ok   {row['file'].name}, {row['params']:,} parameters")
            print(f"             {describe_card(row['card'])}")
        else:
            print(f"  {row['stem']:<10} FAIL {row['error']}")
    bad = [r for r in rows if not r["ok"]]
    if bad:
        vocal_only = all(r["stem"] == "vocal" for r in bad)
        print("vocal model unusable: only --instrumental separation will work" if vocal_only
              else f"{len(bad)} of {len(rows)} models unusable")
        return 1
    print("all models ok")
    print("licences:")
    for line in licence_lines():
        print(f"  {line}")
    return 0
