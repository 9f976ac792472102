"""``mixin separate``: a drop-in for the original ``xtract_mixin.py``, and a catalogue runner.

Inputs are files and folders (walked for their audio files; the stems of
``music/a/b/song.wav`` go to ``<outdir>/a/b/``). The order of work keeps mistakes cheap and
users' files safe: options are checked first, then the output folder, then the output plan
(no output may be an input or another output), then every input's header; only then are the
models loaded. A bad input is reported in one line and the others are still separated (exit
status 1 if any failed).

Every input separated or failed gets a record in a JSON Lines manifest
(``<outdir>/mixin-manifest.jsonl`` unless ``--manifest`` says otherwise), so a rerun skips
what is done as asked (same models, options and input) and retries what failed. The work
runs in this process, on a local Dask cluster (``--jobs N``) or on an existing one
(``--scheduler``); see :mod:`mixin_gui.batch`.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from .. import config
from ..audio.outputs import DEFAULT_TEMPLATE, check_collisions
from ..audio.write import check_output_dir
from ..batch.folders import expand
from ..batch.job import OutputSpec, input_identity
from ..batch.manifest import MANIFEST_NAME, Manifest
from ..batch.run import Catalogue, run_local
from ..errors import (AudioReadError, AudioWriteError, MixinError, NoModelsError,
                      OutputExistsError)
from ..model.discovery import resolve_model_dir
from .progress import BatchProgress, ProgressBar


def register(sub):
    p = sub.add_parser(
        "separate", help="separate songs into stems",
        description="Separate each input into <song>_harmonic, <song>_percussive and "
                    "<song>_vocal files. Stereo input gives stereo stems (see --mono). "
                    "Folders are searched for audio files; a manifest in the output folder "
                    "records what is done, so a rerun goes on where the last one stopped.")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="audio files, or folders to search for them")
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
    p.add_argument("--manifest", metavar="FILE", default=None,
                   help=f"the run's record of what is done and what failed (default: "
                        f"<outdir>/{MANIFEST_NAME})")
    p.add_argument("--no-manifest", action="store_true",
                   help="keep no record: every input is separated")
    p.add_argument("--force", action="store_true",
                   help="separate inputs the manifest says are done, replacing the stems "
                        "it names")
    p.add_argument("--file-timeout", type=float, default=None, metavar="SECONDS",
                   help="stop a file that takes longer than this (recorded as failed)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="separate on a local Dask cluster of N worker processes")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="separate on an existing Dask cluster (tcp://HOST:PORT), whose "
                        "workers see the same paths")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None,
                   help="where the networks run (default: auto, CUDA where ONNX Runtime "
                        "has it, else the CPU)")
    p.set_defaults(func=run_separate, prepare=prepare_separate, fast_exit=True)


def separation_options(args):
    """The engine's options from the command line."""
    return config.SeparationOptions(instrumental=args.instrumental,
                                    single_model=args.single_model,
                                    wiener_iterations=args.wiener)


def output_spec(args, outdir):
    exists = "overwrite" if args.overwrite else "error"
    return OutputSpec(Path(outdir), template=args.template, fmt=args.format,
                      bit_depth=args.bit_depth, first_prefix=args.first_prefix, exists=exists)


def check_options(args, stems):
    """Refuse option combinations before any work (no folder made, no model loaded)."""
    if args.format == "mp3" and args.bit_depth:
        raise AudioWriteError("MP3 has no bit depth; leave out --bit-depth.")
    if args.jobs is not None and args.jobs < 1:
        raise MixinError("--jobs needs at least 1 worker.")
    if args.jobs is not None and args.scheduler:
        raise MixinError("Give --jobs (a local cluster) or --scheduler (an existing one), "
                         "not both.")
    if args.file_timeout is not None and not args.file_timeout > 0:
        raise MixinError("--file-timeout needs a number of seconds above 0.")
    output_spec(args, args.outdir).check(stems)


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


def _report(exc, single):
    """Re-raise for a single input (the edge prints it); print one line for several."""
    if single:
        raise exc
    print(f"mixin: {exc}", file=sys.stderr, flush=True)


def unique_items(items):
    """``items`` with every later spelling of an earlier file left out (``a.wav``,
    ``./a.wav``, a link to it), a note on stderr for each left out."""
    seen, out = {}, []
    for item in items:
        key = input_identity(item.path)
        if key in seen:
            first = seen[key].path
            same = "" if str(first) == str(item.path) else f" (as '{first}')"
            print(f"mixin: '{item.path}' was given more than once{same}; it is separated "
                  f"once.", file=sys.stderr, flush=True)
            continue
        seen[key] = item
        out.append(item)
    return out


def _manifest(args, outdir):
    if args.no_manifest:
        return None
    return Manifest(args.manifest or Path(outdir) / MANIFEST_NAME)


def prepare_separate(args):
    """Everything checked before the models load: options, output folder, the inputs
    (folders walked), the output plan (no output may be an input or another output), what
    the manifest says is done, and every remaining input's header.

    Stores the plan on ``args`` and returns ``None``, or the exit status when no input is
    left to separate. With one input, its error is raised (the edge prints it).
    """
    options = separation_options(args)
    check_options(args, options.stems)
    outdir = check_output_dir(args.outdir)
    manifest = _manifest(args, outdir)
    skip = manifest.outputs() if manifest is not None else set()
    items, empty = expand(args.inputs, outdir=outdir, skip=skip)
    for folder in empty:
        print(f"mixin: '{folder}' holds no audio file to separate.", file=sys.stderr,
              flush=True)
    items = unique_items(items)
    model_dir = _model_dir(args)
    catalogue = Catalogue(output_spec(args, outdir), options, model_dir, mono=args.mono,
                          manifest=manifest, force=args.force)
    from ..batch.job import plan_file

    check_collisions([(i.path, plan_file(i.path, catalogue.spec, options.stems, i.subdir))
                      for i in items])
    tasks, skipped, refused = catalogue.plan(items)
    single = len(items) == 1 and not empty
    for item, exc in refused:
        if isinstance(exc, OutputExistsError):
            exc = _exists_hint(exc)
        if not single:
            catalogue.refused_record(item, exc)
        _report(exc, single)
    if skipped:
        print(f"mixin: skipped {skipped} input{'s' if skipped != 1 else ''} already "
              f"separated as asked (see {manifest.path}; --force redoes them).",
              file=sys.stderr, flush=True)
    args.separate_plan = (catalogue, tasks, len(refused), [i.path for i in items])
    if tasks:
        return None
    return 1 if refused or not items else 0


def _device(args):
    from ..model.runtime import choose_device

    device, note = choose_device(args.device or "auto")
    if note and args.device:
        print(f"mixin: {note}.", file=sys.stderr, flush=True)
    return device


def run_separate(args):
    if getattr(args, "separate_plan", None) is None:
        code = prepare_separate(args)
        if code is not None:
            return code
    catalogue, tasks, failures, inputs = args.separate_plan
    device = _device(args)
    overall = BatchProgress(len(tasks))
    single = len(inputs) == 1

    def on_done(outcome):
        nonlocal failures
        if outcome.error is not None:
            failures += 1
            _report(_explain(outcome.error, outcome.task.item.path), single)
        else:
            _print_written(outcome.result, catalogue)
        overall.file_done(getattr(outcome.result, "duration", 0.0))

    if args.jobs is not None or args.scheduler:
        from ..batch.cluster import run_dask

        run_dask(catalogue, tasks, scheduler=args.scheduler, jobs=args.jobs,
                 protected=inputs, on_done=on_done, timeout=args.file_timeout, device=device)
    else:
        from ..engine import Separator

        sep = Separator(catalogue.model_dir, stems=catalogue.options.stems, device=device)
        sep.models.warm_up_in_background()  # while the first file is read
        run_local(catalogue, tasks, sep, protected=inputs, on_done=on_done,
                  progress_for=lambda t: ProgressBar(Path(t.item.path).name),
                  timeout=args.file_timeout)
    overall.finish()
    return 1 if failures else 0


def _print_written(result, catalogue):
    print("wrote " + "  ".join(str(p.name) for p in result.outputs), flush=True)
    spec = catalogue.spec
    for p, peak in result.clipped.items():
        depth = spec.bit_depth or {"flac": "24"}.get(spec.fmt, "")
        print(f"mixin: warning: '{p.name}' peaks at {peak:.2f} ({20 * math.log10(peak):+.1f} "
              f"dB above full scale) and was clipped in {spec.fmt.upper()} {depth}-bit; "
              f"--bit-depth 32f (WAV) keeps it whole.", file=sys.stderr, flush=True)


def _explain(exc, path):
    if isinstance(exc, OutputExistsError) and exc.path is not None:
        return _exists_hint(exc)
    if isinstance(exc, MemoryError):
        return MixinError(f"Not enough memory to separate '{Path(path).name}'; split it or "
                          f"close other programs.")
    text = str(exc)
    if not isinstance(exc, (AudioReadError, AudioWriteError)) and Path(path).name not in text:
        return type(exc)(f"Cannot separate '{Path(path).name}': {text[:1].lower()}{text[1:]}")
    return exc
