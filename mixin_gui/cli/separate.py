"""``mixin separate``: a drop-in for the original ``xtract_mixin.py``, and more.

The order of work keeps mistakes cheap and users' files safe: options are checked first,
then the output plan (no output may be an input or another output), then every input's
header; only then are the models loaded. A bad input is reported in one line and the others
are still separated (exit status 1 if any failed).
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

from .. import config
from ..audio.io import describe, read_audio
from ..audio.outputs import (DEFAULT_TEMPLATE, check_collisions, check_name_lengths,
                             check_template, ensure_absent, plan_targets, track_name)
from ..audio.write import StemWriter, check_output_dir, subtype_for
from ..dsp.resample import to_mono
from ..errors import (AudioReadError, AudioWriteError, MixinError, NoModelsError,
                      OutputExistsError)
from ..model.discovery import resolve_model_dir
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
    p.add_argument("--model", "--pretrained-model-dir", dest="pretrained_model_dir",
                   metavar="NAME|DIR", default=None,
                   help="a bundled model set by name (see `mixin models`) or a folder of "
                        "models (default: the bundled default set)")
    p.add_argument("--outdir", default="./", help="output folder (default: ./)")
    p.add_argument("--first-prefix", action="store_true",
                   help="name stems after the input's name up to its first underscore")
    p.add_argument("--template", default=DEFAULT_TEMPLATE,
                   help="output file name without extension, from {track} (the input's "
                        "name) and {stem} (default: %(default)s)")
    p.add_argument("--format", choices=config.WRITE_FORMATS, default="wav",
                   help="output container (default: wav; mp3 where libsndfile can write it)")
    p.add_argument("--bit-depth", choices=config.BIT_DEPTHS, default=None,
                   help="sample format (default: 32f for wav, 24 for flac; none for mp3)")
    p.add_argument("--overwrite", action="store_true", help="replace existing stem files")
    p.add_argument("--mono", action="store_true",
                   help="mix down to mono first, as the original MiXiN did")
    p.add_argument("--wiener", type=int, default=None, metavar="N",
                   choices=range(config.MAX_WIENER_ITERATIONS + 1),
                   help="steps of stereo Wiener post-filtering after the masks, 0 to "
                        f"{config.MAX_WIENER_ITERATIONS} (default: what the model set "
                        "recommends; mono input is never filtered)")
    p.set_defaults(func=run_separate, prepare=prepare_separate, fast_exit=True)


def output_paths(input_path, outdir, stems, *, fmt="wav", first_prefix=False,
                 template=DEFAULT_TEMPLATE):
    """``<outdir>/<template>.<fmt>`` for every stem (``<song>_<stem>.wav`` by default)."""
    track = track_name(input_path, first_prefix=first_prefix)
    return list(plan_targets(outdir, template, track, stems, fmt).values())


def separation_options(args):
    """The engine's options from the command line."""
    return config.SeparationOptions(instrumental=args.instrumental,
                                    single_model=args.single_model,
                                    wiener_iterations=args.wiener)


def check_options(args, stems):
    """Refuse option combinations before any work (no folder made, no model loaded)."""
    if args.format == "mp3" and args.bit_depth:
        raise AudioWriteError("MP3 has no bit depth; leave out --bit-depth.")
    subtype_for(args.format, args.bit_depth)
    check_template(args.template, stems)


def _exists_hint(exc):
    return OutputExistsError(f"'{exc.path}' already exists; use --overwrite to replace it "
                             f"or choose another output folder.", path=exc.path)


def _model_dir(args):
    try:
        return resolve_model_dir(args.pretrained_model_dir)
    except NoModelsError as exc:
        raise NoModelsError(f"No models are bundled in '{exc.folder}' yet; pass "
                            f"--pretrained-model-dir DIR (for example the original MiXiN "
                            f"models).", folder=exc.folder) from None


def _check_input(path, paths, overwrite):
    """Cheap per-input checks (header, output names, existing outputs) before any model
    loads."""
    describe(path)
    for p in paths:
        check_name_lengths(p)
    if not overwrite:
        try:
            ensure_absent(paths)
        except OutputExistsError as exc:
            raise _exists_hint(exc) from None


def _report(exc, single):
    """Re-raise for a single input (the edge prints it); print one line for several."""
    if single:
        raise exc
    print(f"mixin: {exc}", file=sys.stderr, flush=True)


def _identity(path):
    """What makes two spellings of an input one file: its device and inode where it can be
    read, else its absolute path with symbolic links resolved."""
    try:
        st = os.stat(path)
        return (st.st_dev, st.st_ino)
    except (OSError, ValueError):
        return os.path.normcase(os.path.realpath(path))


def unique_inputs(inputs):
    """``inputs`` with every later spelling of an earlier file left out (``a.wav``,
    ``./a.wav``, a link to it), a note on stderr for each left out."""
    seen, out = {}, []
    for path in inputs:
        key = _identity(path)
        if key in seen:
            same = "" if str(seen[key]) == str(path) else f" (as '{seen[key]}')"
            print(f"mixin: '{path}' was given more than once{same}; it is separated once.",
                  file=sys.stderr, flush=True)
            continue
        seen[key] = path
        out.append(path)
    return out


def prepare_separate(args):
    """Everything checked before the models load: options, output folder, the output
    plan (no output may be an input or another output) and every input's header.

    Stores the plan on ``args`` and returns ``None``, or the exit status when no input is
    left to separate. With one input, its error is raised (the edge prints it).
    """
    stems = separation_options(args).stems
    check_options(args, stems)
    outdir = check_output_dir(args.outdir)
    args.inputs = unique_inputs(args.inputs)
    plans = {path: output_paths(path, outdir, stems, fmt=args.format, template=args.template,
                                first_prefix=args.first_prefix) for path in args.inputs}
    check_collisions(list(plans.items()))
    model_dir = _model_dir(args)
    single = len(args.inputs) == 1
    good = []
    for path, paths in plans.items():
        try:
            _check_input(path, paths, args.overwrite)
            good.append(path)
        except (MixinError, MemoryError) as exc:
            _report(exc, single)
    args.separate_plan = (model_dir, {p: plans[p] for p in good}, len(args.inputs) - len(good))
    return None if good else 1


def run_separate(args):
    if getattr(args, "separate_plan", None) is None:
        code = prepare_separate(args)
        if code is not None:
            return code
    model_dir, plans, failures = args.separate_plan
    options = separation_options(args)
    from ..engine import Separator

    sep = Separator(model_dir, stems=options.stems)
    sep.models.warm_up_in_background()  # while the first file is read
    for path, paths in plans.items():
        try:
            written = separate_file(sep, options, path, paths, args)
        except (MixinError, MemoryError) as exc:
            _report(_explain(exc, path), len(args.inputs) == 1)
            failures += 1
            continue
        print("wrote " + "  ".join(str(p.name) for p in written), flush=True)
    return 1 if failures else 0


def _explain(exc, path):
    if isinstance(exc, OutputExistsError) and exc.path is not None:
        return _exists_hint(exc)
    if isinstance(exc, MemoryError):
        return MixinError(f"Not enough memory to separate '{Path(path).name}'; split it or "
                          f"close other programs.")
    if not isinstance(exc, (AudioReadError, AudioWriteError)):  # the engine's: name the song
        text = str(exc)
        return type(exc)(f"Cannot separate '{Path(path).name}': {text[:1].lower()}{text[1:]}")
    return exc


def separate_file(sep, options, path, paths, args):
    """Separate one file and write its stems atomically; returns the paths written."""
    audio, sr = read_audio(path)
    if args.mono:
        audio = to_mono(audio)[:, None]
    bar = ProgressBar(Path(path).name)
    with StemWriter(paths, samplerate=sr, channels=audio.shape[1], fmt=args.format,
                    bit_depth=args.bit_depth, overwrite=args.overwrite,
                    protected=args.inputs) as writer:   # clean-up never removes an input
        for block in sep.iter_blocks(audio, sr, options, progress=bar):
            writer.write(block)
        bar.finish()
    for p, peak in writer.clipped.items():
        print(f"mixin: warning: '{p.name}' peaks at {peak:.2f} ({20 * math.log10(peak):+.1f} "
              f"dB above full scale) and was clipped in {args.format.upper()} "
              f"{writer.subtype.split('_')[-1]}-bit; --bit-depth 32f (WAV) keeps it whole.",
              file=sys.stderr, flush=True)
    return paths
