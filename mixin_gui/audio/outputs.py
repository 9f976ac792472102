"""Output plans: which files a separation writes, and the checks made before any is written.

One home for what the CLI and the GUI's export share: the file-name template
(``{track}_{stem}``), the "file exists" policy, and the check that no planned output is an
input or another planned output. No Qt and no command-line flags here: messages say what is
wrong in words both front ends can show.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import AudioWriteError, OutputCollisionError, OutputExistsError

#: The default file-name template: ``song_vocal.wav`` for stem ``vocal`` of ``song.flac``.
DEFAULT_TEMPLATE = "{track}_{stem}"
#: What to do when an output file exists. ``"ask"`` is resolved by the front end (the GUI asks
#: the user) into one of the other three before :func:`apply_policy` is called.
EXISTS_POLICIES = ("ask", "overwrite", "skip", "rename")

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_name(text):
    """``text`` usable as a file name on every platform (separators and controls replaced)."""
    cleaned = _UNSAFE.sub("_", str(text)).strip(" .")
    return cleaned or "untitled"


def expand_template(template, *, track, stem):
    """File name (without extension) from a template with ``{track}`` and ``{stem}``.

    Raises
    ------
    AudioWriteError
        If the template names another field or is malformed.
    """
    try:
        name = template.format(track=track, stem=stem)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise AudioWriteError(
            f"File-name template '{template}' is invalid ({exc}); "
            f"use {{track}} and {{stem}}, e.g. '{{track}}_{{stem}}'.") from None
    return safe_name(name)


def check_template(template, stems):
    """Refuse a template that is malformed or gives two stems of one track the same name."""
    names = [expand_template(template, track="t", stem=s) for s in stems]
    if len(stems) > 1 and len(set(names)) < len(names):
        raise AudioWriteError(
            f"File-name template '{template}' gives every stem the same name; "
            f"include {{stem}} in it.")


def track_name(input_path, *, first_prefix=False):
    """The ``{track}`` of an input: its name without extension (up to the first ``_``)."""
    name = Path(input_path).stem
    return name.split("_")[0] if first_prefix else name


def plan_targets(outdir, template, track, names, fmt):
    """Final paths for ``names`` of one track, before any "file exists" policy.

    Returns
    -------
    dict of str to Path
        Output name (a stem, or ``"mix"``) to ``<outdir>/<template expanded>.<fmt>``.
    """
    return {n: Path(outdir) / f"{expand_template(template, track=track, stem=n)}.{fmt}"
            for n in names}


#: Longest file name and path (bytes) where the system cannot tell (Linux's limits).
NAME_MAX, PATH_MAX = 255, 4096


def _limit(path, name, default):
    """The file system's ``pathconf`` limit ``name`` at ``path``'s nearest existing folder."""
    probe = Path(os.path.abspath(path))
    while not os.path.isdir(probe) and probe.parent != probe:
        probe = probe.parent
    try:
        return os.pathconf(probe, name)
    except (OSError, ValueError, AttributeError):
        return default


def check_name_lengths(path):
    """Refuse an output path whose name, or any folder's name, or whole length, is longer
    than the file system allows (before anything is made, so no folder is left behind).

    Raises
    ------
    AudioWriteError
    """
    full = os.fsencode(os.path.abspath(path))
    longest = _limit(path, "PC_PATH_MAX", PATH_MAX)
    if len(full) >= longest:
        raise AudioWriteError(
            f"The output path '{_short(path)}' is {len(full)} bytes long; this system "
            f"allows {longest - 1}, so choose a shorter output folder.")
    name_max = _limit(path, "PC_NAME_MAX", NAME_MAX)
    for part in Path(path).parts:
        if len(os.fsencode(part)) > name_max:
            raise AudioWriteError(
                f"The output name '{_short(part)}' is {len(os.fsencode(part))} bytes long; "
                f"this system allows {name_max}, so choose a shorter name or file-name "
                f"template.")


def _short(text, keep=60):
    text = str(text)
    return text if len(text) <= keep else f"{text[:keep // 2]}…{text[-keep // 2:]}"


def existing(targets):
    """The paths of ``targets`` (dict of name to Path) that already exist."""
    return [p for p in targets.values() if os.path.lexists(p)]


def ensure_absent(paths):
    """Raise :class:`OutputExistsError` naming the first of ``paths`` that exists."""
    for p in paths:
        if os.path.lexists(p):
            raise OutputExistsError(f"'{p}' already exists.", path=Path(p))


def free_name(path, taken=()):
    """``path`` or the first ``name (2).ext``, ``name (3).ext`` ... that does not exist."""
    path = Path(path)
    candidate, n = path, 2
    while os.path.lexists(candidate) or candidate in taken:
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        n += 1
    return candidate


def apply_policy(targets, policy):
    """Resolve existing files by ``policy``: ``"overwrite"``, ``"skip"`` or ``"rename"``.

    Any other policy (``"ask"`` unresolved, or none) keeps the targets and refuses to
    overwrite, so an existing file then stops the write with :class:`OutputExistsError`.

    Returns
    -------
    targets : dict of str to Path
    overwrite : bool
    skipped : list of Path
        Existing files left alone.
    """
    if policy == "overwrite":
        return dict(targets), True, []
    if policy == "skip":
        keep = {n: p for n, p in targets.items() if not os.path.lexists(p)}
        return keep, False, [p for p in targets.values() if os.path.lexists(p)]
    if policy == "rename":
        out, taken = {}, set()
        for n, p in targets.items():
            out[n] = free_name(p, taken)
            taken.add(out[n])
        return out, False, []
    return dict(targets), False, []


def _key(path):
    """Identity of a path for comparison: absolute, symlinks followed, case as on disk."""
    return os.path.normcase(os.path.realpath(path))


def check_collisions(plans, *, protected=()):
    """Refuse plans where an output is an input or two outputs are the same file.

    Called before anything is written, whatever the "file exists" policy: overwriting
    an input (or one song's stems with another's) would lose a user's file.

    Parameters
    ----------
    plans : sequence of (path-like or None, iterable of path-like)
        Each input (``None`` when there is none) with the outputs planned for it.
    protected : iterable of path-like
        Further files no output may be (e.g. the other tracks loaded in the GUI).

    Raises
    ------
    OutputCollisionError
        One sentence naming both files.
    """
    inputs = [Path(i) for i, _ in plans if i is not None]
    seen = {}
    for inp in inputs:
        first = seen.setdefault(_key(inp), inp)
        if first is not inp:
            raise OutputCollisionError(
                f"'{first}' and '{inp}' are the same input file; give it once.")
    guarded = inputs + [Path(p) for p in protected if _key(p) not in seen]
    index = _Guarded(guarded)
    owners = {}
    for inp, outs in plans:
        for out in map(Path, outs):
            other = index.find(out)
            if other is not None:
                _refuse_input(inp, out, other)
            prev = owners.setdefault(_key(out), (inp, out))
            if prev[1] is not out:
                _refuse_shared(prev[0], inp, out)


class _Guarded:
    """Files no output may be, found by path (symlinks resolved) or by device and inode
    (hard links), in constant time per output: a catalogue has thousands."""

    def __init__(self, paths):
        self.by_key, self.by_id = {}, {}
        for p in paths:
            self.by_key.setdefault(_key(p), p)
            try:
                st = os.stat(p)
            except (OSError, ValueError):
                continue
            self.by_id.setdefault((st.st_dev, st.st_ino), p)

    def find(self, out):
        """The guarded file that ``out`` is, or None."""
        hit = self.by_key.get(_key(out))
        if hit is not None:
            return hit
        try:
            st = os.stat(out)
        except (OSError, ValueError):
            return None
        return self.by_id.get((st.st_dev, st.st_ino))


def _refuse_input(inp, out, other):
    if inp is None or _key(inp) == _key(other):
        raise OutputCollisionError(
            f"The output '{out}' would replace its own input file '{other}'; "
            f"choose another output folder or file-name template.")
    raise OutputCollisionError(
        f"The output '{out}' of '{inp}' would replace the input file '{other}'; "
        f"choose another output folder or file-name template.")


def _refuse_shared(first, second, out):
    if first is None or second is None or _key(first) == _key(second):
        whose = f"two stems of '{second}'" if second is not None else "two outputs"
    else:
        whose = f"both '{first}' and '{second}'"
    raise OutputCollisionError(
        f"The outputs of {whose} would be written to the same file '{out}'; "
        f"choose another output folder or file-name template.")
