"""``mixin models [DIR]``: list and validate the models of a directory."""

from __future__ import annotations

from ..model.discovery import resolve_model_dir
from ..modelcard import describe_card, licence_lines


def register(sub):
    p = sub.add_parser("models", help="list and validate a model directory",
                       description="Check that DIR holds a loadable MiXiN CDAE per stem "
                                   "and show each model card.")
    p.add_argument("model_dir", nargs="?", default=None, metavar="DIR",
                   help="model directory (default: the folder `separate` uses)")
    p.set_defaults(func=run_models)


def run_models(args):
    from ..model.stems import inspect_model_dir

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
