"""What the U-Net's training sees of voices: levels, note lengths and choirs.

Three figures, for the model card (issue 31's "measure first"):

* the **vocal-to-accompaniment level** of the on-the-fly mixes (``training.onthefly``): for
  each example that holds a voice, the vocal's energy in the chunk over that of the
  harmonic and percussive parts together, in dB, as a histogram (the mixes are drawn as
  ``mixin train fit`` draws them, with the options given here);
* the **length of the sung notes** of the songs' vocal stems (``synth.json``'s
  ``sung_notes_s``; songs written before that field have their melody re-planned from their
  seed): the share of notes, and of sung time, in notes over 1 s;
* how often the vocal stem is a **choir** with no lead (``vocal_style`` ``choir``), and how
  often a sampled choir pad sits under a lead (the ``choir`` layer).

Usage: python benchmarks/training_mix_stats.py SONG_DIR [SONG_DIR ...] [--examples N]
       [--quiet-vocal-share S] [--coherent-share S] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

BINS = np.arange(-27.0, 13.0, 3.0)  # dB edges of the level histogram


def song_infos(dirs):
    for d in map(Path, dirs):
        for f in sorted(d.glob("*/synth.json")):
            yield json.loads(f.read_text())


def note_lengths(info):
    """The sung note lengths (s) of one song; [] when it has no sung voice."""
    if info.get("voice", "none") == "none" or str(info.get("voice")).endswith(":spoken"):
        return []
    if "sung_notes_s" in info:
        return list(info["sung_notes_s"])
    from mixin_gui.synthdata import track

    song = track.plan(info["seed"], info["index"])
    return [n.dur * song.spb for ph in song.melody for n in ph]


def song_stats(dirs):
    infos = list(song_infos(dirs))
    voiced = [i for i in infos if i.get("voice", "none") != "none"]
    lengths = np.array([d for i in voiced for d in note_lengths(i)])
    choir = sum(1 for i in voiced if i.get("vocal_style") == "choir")
    pad = sum(1 for i in voiced if "choir" in i.get("vocal_layers", []))
    out = {"songs": len(infos), "songs_with_a_voice": len(voiced),
           "vocal_is_a_choir_share": round(choir / max(len(voiced), 1), 3),
           "choir_pad_under_a_lead_share": round(pad / max(len(voiced), 1), 3),
           "styles": {s: sum(1 for i in voiced if i.get("vocal_style") == s)
                      for s in ("choir", "held", "produced")}}
    if len(lengths):
        long = lengths > 1.0
        out["sung_notes"] = {
            "count": int(len(lengths)), "median_s": round(float(np.median(lengths)), 3),
            "p90_s": round(float(np.percentile(lengths, 90)), 3),
            "over_1s_share_of_notes": round(float(long.mean()), 3),
            "over_1s_share_of_sung_time": round(float(lengths[long].sum() / lengths.sum()), 3)}
    return out


def level_stats(dirs, *, examples, quiet_vocal_share, coherent_share, seed=0, batch=8):
    from mixin_gui.training.onthefly import OnTheFlyMixes, energies

    mixes = OnTheFlyMixes(list(dirs), seed=seed, batch_size=batch, vocal_share=0.85,
                          vibrato_share=0.5, prefetch=0, coherent_share=coherent_share,
                          quiet_vocal_share=quiet_vocal_share)
    levels = []
    for b in range(int(np.ceil(examples / batch))):
        recipes = [mixes.recipe(0, b * batch + k) for k in range(batch)]
        c = mixes.coefficients(recipes)
        for i, r in enumerate(recipes):
            if r.parts[-1] is None:
                continue
            e_voc, e_acc = energies(c[i])
            if e_voc > 0 and e_acc > 0:
                levels.append(10 * np.log10(e_voc / e_acc))
    levels = np.array(levels)
    hist, _ = np.histogram(np.clip(levels, BINS[0], BINS[-1] - 1e-6), BINS)
    return {"examples_with_a_voice": int(len(levels)),
            "median_db": round(float(np.median(levels)), 2),
            "p10_db": round(float(np.percentile(levels, 10)), 2),
            "p90_db": round(float(np.percentile(levels, 90)), 2),
            "share_6_to_15_db_under": round(float(((levels <= -6) & (levels >= -15)).mean()), 3),
            "histogram_db": {f"{lo:+.0f}..{lo + 3:+.0f}": int(n) for lo, n in zip(BINS, hist)}}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--examples", type=int, default=800)
    ap.add_argument("--quiet-vocal-share", type=float, default=0.0)
    ap.add_argument("--coherent-share", type=float, default=0.4)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    out = {"songs": song_stats(args.dirs),
           "levels": level_stats(args.dirs, examples=args.examples,
                                 quiet_vocal_share=args.quiet_vocal_share,
                                 coherent_share=args.coherent_share),
           "options": {"quiet_vocal_share": args.quiet_vocal_share,
                       "coherent_share": args.coherent_share}}
    text = json.dumps(out, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
