"""``mixin separate``: a drop-in for the original ``xtract_mixin.py``, and more."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import config
from ..audio.io import StemWriter, check_output_dir, describe, ensure_absent, read_audio
from ..dsp.resample import to_mono
from ..errors import MixinError, ModelLoadError
from ..paths import default_model_dir, has_models
from .progress import ProgressBar


def register(sub):
    p = sub.add_parser(
        "separate", help="separate songs into stems",
        description="Separate each input into <song>_harmonic, <song>_percussive and "
                    "<song>_vocal files. Stereo input gives stereo stems (see --mono).")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="audio files to separate")
    p.add_argument("--instrumental", action="store_true",
                   help="no vocal model: share the mix between harmonic and percussive")
    p.add_argument("--single-model", action="store_true",
                   help="each network's magnitude with the mix's phase instead of soft masks")
    p.add_argument("--pretrained-model-dir", metavar="DIR", default=None,
                   help="folder with model_harmonic/percussive/vocal "
                        "(default: the bundled pretrained-models/)")
    p.add_argument("--outdir", default="./", help="output folder (default: ./)")
    p.add_argument("--first-prefix", action="store_true",
                   help="name stems after the input's name up to its first underscore")
    p.add_argument("--format", choices=config.WRITE_FORMATS, default="wav",
                   help="output container (default: wav)")
    p.add_argument("--bit-depth", choices=config.BIT_DEPTHS, default=None,
                   help="sample format (default: 32f for wav, 24 for flac)")
    p.add_argument("--overwrite", action="store_true", help="replace existing stem files")
    p.add_argument("--mono", action="store_true",
                   help="mix down to mono first, as the original MiXiN did")
    p.set_defaults(func=run_separate, needs_backend=True, fast_exit=True)


def output_paths(input_path, outdir, stems, *, fmt="wav", first_prefix=False):
    """``<outdir>/<song>_<stem>.<fmt>`` for every stem."""
    song = Path(input_path).stem
    if first_prefix:
        song = song.split("_")[0]
    return [Path(outdir) / f"{song}_{stem}.{fmt}" for stem in stems]


def _model_dir(args):
    if args.pretrained_model_dir:
        return Path(args.pretrained_model_dir)
    bundled = default_model_dir()
    if not has_models(bundled):
        raise ModelLoadError(
            f"No models are bundled in '{bundled}' yet; pass --pretrained-model-dir DIR "
            f"(for example the original MiXiN models).")
    return bundled


def run_separate(args):
    options = config.SeparationOptions(instrumental=args.instrumental,
                                       single_model=args.single_model)
    stems = options.stems
    outdir = check_output_dir(args.outdir)
    model_dir = _model_dir(args)
    # Cheap checks first, so a typo costs no model loading.
    for path in args.inputs:
        describe(path)
        if not args.overwrite:
            ensure_absent(output_paths(path, outdir, stems, fmt=args.format,
                                       first_prefix=args.first_prefix))
    from ..engine import Separator

    sep = Separator(model_dir, stems=stems)
    sep.models.trace_in_background()  # while the first file is read (run() exits with _exit)
    failures = 0
    for path in args.inputs:
        try:
            written = separate_file(sep, options, path, outdir, args)
        except MixinError as exc:
            if len(args.inputs) == 1:
                raise
            print(f"mixin: {exc}", file=sys.stderr)
            failures += 1
            continue
        print("wrote " + "  ".join(str(p.name) for p in written))
    return 1 if failures else 0


def separate_file(sep, options, path, outdir, args):
    """Separate one file and write its stems atomically; returns the paths written."""
    audio, sr = read_audio(path)
    if args.mono:
        audio = to_mono(audio)[:, None]
    paths = output_paths(path, outdir, options.stems, fmt=args.format,
                         first_prefix=args.first_prefix)
    bar = ProgressBar(Path(path).name)
    with StemWriter(paths, samplerate=sr, channels=audio.shape[1], fmt=args.format,
                    bit_depth=args.bit_depth, overwrite=args.overwrite) as writer:
        for block in sep.iter_blocks(audio, sr, options, progress=bar):
            writer.write(block)
        bar.finish()
    return paths
