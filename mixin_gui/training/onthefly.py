"""Mixes made while training: stems of different songs, new gains and EQ every time.

:class:`OnTheFlyMixes` draws each example's harmonic, percussive and vocal stem from
*independent* random tracks of the stem folders (MUSDB layout, or any folder of named
instrument files: :func:`.multitrack.role_of` decides the roles), at random offsets, and

* plays each stem a little faster or slower (``speed``: ±3 % by default, about ±half a
  semitone, pitch and tempo together, by linear interpolation);
* scales it by a random gain (``gain_db``: uniform ±6 dB);
* filters it with a random EQ: a smooth gain curve over the 96 Bark bands (a tilt and one
  bell, clipped to ``±eq_db``), applied to its NSGT coefficients;
* leaves the vocal out of a share of the mixes (``vocal_share`` keeps it);
* gives a share of the harmonic stems a vibrato (``vibrato_share``: the playing speed swings
  by 15-60 cents at 4-7 Hz), so that a wavering pitch alone does not mark a voice: bowed
  strings and winds waver too;
* in a share of the examples (``accompaniment_share``), plays a whole voice-free recording
  (``extra["accompaniment"]``: real music without a voice, whose harmonic / percussive
  split nobody knows) in place of the harmonic and percussive stems. Its targets say so:
  the harmonic target is the recording, the percussive target is :data:`UNSPLIT` (-1) in
  every bin, and the loss then charges only the vocal stem and the other two together
  (``unet_fit.masked_mixture_l1``). Real orchestras, bands and film music without a choir
  teach the network what is *not* a voice without anyone separating them first;
* in a share of the examples (``quiet_vocal_share``), sets the vocal's level from the
  accompaniment's instead of its own gain: the vocal's energy in the chunk lands a drawn
  ``quiet_vocal_db`` (6 to 15 dB by default) under that of the harmonic and percussive parts
  together, as a produced song's lead often sits; the independent ±6 dB gains alone put only
  a few examples there;
* in a share of the examples (``coherent_share``), takes all three stems from *one* song at
  one offset and one speed, as it was composed (each stem still with its own gain and EQ,
  no vibrato): a real song's voice shares the key, the chords and the beat of its
  accompaniment, its notes sit on the same harmonics, which mixes of unrelated songs never
  show the network.

The NSGT is linear, so the mixture's coefficients are exactly the sum of the treated stems'
coefficients: one batched forward transform per stem, no transform of the mixture.

Every example is fixed by ``(seed, epoch, index)``: the same seed gives the same batches, a
new epoch gives new mixes. Reading is by random access into the files (WAV/FLAC seek), so
the stems are never all held in memory.

Usage::

    mixes = OnTheFlyMixes(["/work/data15/synth-real"], seed=0, batch_size=8)
    for mix_mag, targets in mixes:   # one epoch of ``len(mixes)`` batches, then the next
        ...   # mix_mag (b, 96, 1948) float32; targets (b, 3, 96, 1948) float32
"""

from __future__ import annotations

import json
import queue
import threading
from dataclasses import dataclass

import numpy as np
import soundfile as sf

from .. import config
from ..dsp.nsgt import get_nsgt
from ..errors import DatasetError
from .multitrack import find_tracks

ROLES = config.STEMS  # ("harmonic", "percussive", "vocal"): the targets' order
VIBRATO_CENTS = (15.0, 60.0)  # depth of the harmonic stems' vibrato (peak, in cents)
VIBRATO_HZ = (4.0, 7.0)       # its rate
VIBRATO_MAX_RATIO = 2.0 ** (VIBRATO_CENTS[1] / 1200.0)  # the fastest reading speed it reaches
#: The percussive target of an example whose accompaniment is one unsplit recording.
UNSPLIT = -1.0


def energies(coefs):
    """``(vocal, accompaniment)`` energy of one example's treated stems ``(3, 96, frames)``
    (the sum of squared coefficient magnitudes; the accompaniment is the harmonic and
    percussive parts summed)."""
    acc = coefs[ROLES.index("harmonic")] + coefs[ROLES.index("percussive")]
    voc = coefs[ROLES.index("vocal")]
    return float(np.sum(np.abs(voc) ** 2)), float(np.sum(np.abs(acc) ** 2))


def _sings_not(folder):
    """Whether a generated track says it has no vocals (its vocals.wav is silence)."""
    info = folder / "synth.json"
    if not info.is_file():
        return False
    try:
        return json.loads(info.read_text()).get("voice") == "none"
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class Recipe:
    """How one example is made: per role, ``(track, offset, speed, gain_db, vibrato)`` or
    ``None`` (the role is absent), where ``vibrato`` is ``(cents, hz, phase)`` or ``None``;
    and the EQ curves in dB, shape (3, 96). ``unsplit``: the harmonic part is drawn from
    the voice-free recordings (``sources["accompaniment"]``) and there is no percussive
    part."""

    parts: tuple
    eq_db: np.ndarray
    unsplit: bool = False
    vocal_under_db: float | None = None  # the vocal this far under the accompaniment


class OnTheFlyMixes:
    """Batches of new mixes from stem folders (see the module notes).

    Parameters
    ----------
    stem_dirs : list of path-like
        Folders of tracks; a track needs at least one harmonic or percussive file.
    seed : int
    batch_size : int
    chunk : int
        Samples per example (one model chunk, 44032 by default).
    steps : int
        Batches per epoch (``len(self)``).
    gain_db, eq_db, speed : float
        Bounds of the random gain (dB), the EQ curve (dB) and the speed change (fraction).
    vocal_share : float
        Share of the examples that hold a vocal (when the tracks have any).
    vibrato_share : float
        Share of the harmonic stems played with a vibrato.
    prefetch : int
        Batches computed ahead in a background thread while iterating (0: none).
    extra : dict of str to list of path-like, optional
        More sources per role (``"harmonic"``, ``"percussive"``, ``"vocal"``), one file
        each, e.g. real guitar stems (``synthdata.realsources.training_extras()``); and
        ``"accompaniment"``: voice-free recordings, not split into harmonic and percussive.
    accompaniment_share : float
        Share of the examples whose accompaniment is one of those recordings (when there
        are any).
    coherent_share : float
        Share of the examples whose stems all come from one song at one offset (of the
        examples not given an unsplit accompaniment).
    quiet_vocal_share : float
        Share of the examples with a vocal whose vocal is set ``quiet_vocal_db`` under the
        accompaniment (energy in the chunk) instead of getting its own random gain.
    quiet_vocal_db : (float, float)
        The range that level is drawn from (dB under the accompaniment).
    """

    def __init__(self, stem_dirs, *, seed=0, batch_size=8, chunk=config.CHUNK_SIZE,
                 steps=500, gain_db=6.0, eq_db=6.0, speed=0.03, vocal_share=0.75,
                 vibrato_share=0.3, prefetch=1, extra=None, accompaniment_share=0.0,
                 coherent_share=0.0, quiet_vocal_share=0.0, quiet_vocal_db=(6.0, 15.0)):
        self.seed, self.batch_size, self.chunk, self.steps = seed, batch_size, chunk, steps
        self.accompaniment_share, self.coherent_share = accompaniment_share, coherent_share
        self.quiet_vocal_share = float(quiet_vocal_share)
        self.quiet_vocal_db = tuple(float(v) for v in quiet_vocal_db)
        self.gain_db, self.eq_db, self.speed = gain_db, eq_db, speed
        self.vocal_share, self.vibrato_share, self.prefetch = vocal_share, vibrato_share, prefetch
        self.epoch = 0
        self.nsgt = get_nsgt(length=chunk)
        # role (and "accompaniment") -> [(files, frames, sr)]
        self.sources = {role: [] for role in (*ROLES, "accompaniment")}
        #: per song with a harmonic stem and another: its index in each role's pool or None
        self.songs = []
        for track in (find_tracks(stem_dirs) if stem_dirs else []):
            where = {}
            for role in ROLES:
                files = getattr(track, role)
                if role == "vocal" and _sings_not(track.path):
                    continue
                if files:
                    infos = [sf.info(str(f)) for f in files]
                    frames = min(i.frames for i in infos)
                    if frames > 2 * chunk and len({i.samplerate for i in infos}) == 1:
                        where[role] = len(self.sources[role])
                        self.sources[role].append((tuple(files), frames, infos[0].samplerate))
            rates = {self.sources[r][i][2] for r, i in where.items()}
            if "harmonic" in where and len(where) > 1 and len(rates) == 1:
                self.songs.append(tuple(where.get(r) for r in ROLES))
        for role, files in (extra or {}).items():
            for f in files:
                info = sf.info(str(f))
                if info.frames > 2 * chunk:
                    self.sources[role].append(((f,), info.frames, info.samplerate))
        if not (self.sources["harmonic"] or self.sources["percussive"]
                or (self.sources["accompaniment"] and accompaniment_share > 0)):
            raise DatasetError("The stem folders hold no harmonic or percussive file longer "
                               "than two model chunks.")

    def __len__(self):
        return self.steps

    # ----------------------------------------------------------------- drawing
    def _eq_curve(self, rng):
        n = self.nsgt.shape[0]
        x = np.linspace(-1.0, 1.0, n)
        tilt = rng.uniform(-1, 1) * self.eq_db * 0.5 * x
        centre, width = rng.uniform(-1, 1), rng.uniform(0.05, 0.4)
        bell = rng.uniform(-1, 1) * self.eq_db * np.exp(-0.5 * ((x - centre) / width) ** 2)
        return np.clip(tilt + bell, -self.eq_db, self.eq_db)

    def recipe(self, epoch, index):
        """The :class:`Recipe` of example ``index`` (counted over the epoch's batches)."""
        rng = np.random.default_rng([int(self.seed), int(epoch), int(index)])
        r = self._recipe(rng)
        # drawn last, and only where asked for: other runs' examples stay as they were
        if self.quiet_vocal_share > 0 and r.parts[-1] is not None \
                and rng.random() < self.quiet_vocal_share:
            r = Recipe(r.parts, r.eq_db, r.unsplit, float(rng.uniform(*self.quiet_vocal_db)))
        return r

    def _recipe(self, rng):
        # (drawn only where asked for, so that other runs' examples stay as they were)
        unsplit = bool(self.sources["accompaniment"]) and self.accompaniment_share > 0 and (
            rng.random() < self.accompaniment_share
            or not (self.sources["harmonic"] or self.sources["percussive"]))
        if not unsplit and self.coherent_share > 0 and self.songs \
                and rng.random() < self.coherent_share:
            return self._coherent(rng)
        parts = []
        for role in ROLES:
            pool = self.sources[self._pool(role, unsplit)]
            if not pool or (role == "vocal" and rng.random() >= self.vocal_share) or (
                    unsplit and role == "percussive"):
                parts.append(None)
                continue
            t = int(rng.integers(len(pool)))
            speed = 1.0 + float(rng.uniform(-self.speed, self.speed))
            need = int(np.ceil(self.chunk * speed * VIBRATO_MAX_RATIO * pool[t][2]
                               / config.SAMPLE_RATE)) + 2
            offset = int(rng.integers(0, max(pool[t][1] - need, 1)))
            gain = float(rng.uniform(-self.gain_db, self.gain_db))
            vibrato = None
            if role == "harmonic" and not unsplit and rng.random() < self.vibrato_share:
                vibrato = (float(rng.uniform(*VIBRATO_CENTS)), float(rng.uniform(*VIBRATO_HZ)),
                           float(rng.uniform(0, 2 * np.pi)))
            parts.append((t, offset, speed, gain, vibrato))
        eq = np.stack([self._eq_curve(rng) for _ in ROLES])
        return Recipe(tuple(parts), eq, unsplit)

    def _coherent(self, rng):
        """A recipe whose stems are one song's at one offset and speed (no vibrato)."""
        song = self.songs[int(rng.integers(len(self.songs)))]
        present = [(r, i) for r, i in zip(ROLES, song) if i is not None]
        frames = min(self.sources[r][i][1] for r, i in present)
        sr = self.sources[present[0][0]][present[0][1]][2]
        speed = 1.0 + float(rng.uniform(-self.speed, self.speed))
        need = int(np.ceil(self.chunk * speed * VIBRATO_MAX_RATIO * sr / config.SAMPLE_RATE)) + 2
        offset = int(rng.integers(0, max(frames - need, 1)))
        parts = []
        for role, t in zip(ROLES, song):
            gain = float(rng.uniform(-self.gain_db, self.gain_db))
            if t is None or (role == "vocal" and rng.random() >= self.vocal_share):
                parts.append(None)
            else:
                parts.append((t, offset, speed, gain, None))
        eq = np.stack([self._eq_curve(rng) for _ in ROLES])
        return Recipe(tuple(parts), eq, False)

    @staticmethod
    def _pool(role, unsplit):
        """The source list a role draws from: the voice-free recordings stand in for the
        harmonic stem of an unsplit example."""
        return "accompaniment" if unsplit and role == "harmonic" else role

    # --------------------------------------------------------------- rendering
    def _read(self, pool, part):
        """The chunk of ``part`` (drawn from ``sources[pool]``): the files summed, mono, at
        the drawn speed, ``chunk`` samples."""
        t, offset, speed, _, vibrato = part
        files, _, sr = self.sources[pool][t]
        step = speed * sr / config.SAMPLE_RATE
        if vibrato is None:
            pos = np.arange(self.chunk) * step
        else:  # the reading speed swings around ``step``: a pitch wavering by ``cents``
            cents, hz, phase = vibrato
            ratio = 2.0 ** (cents / 1200.0 * np.sin(
                2 * np.pi * hz * np.arange(self.chunk) / config.SAMPLE_RATE + phase))
            pos = np.concatenate([[0.0], np.cumsum(step * ratio[:-1])])
        need = int(np.ceil(self.chunk * step * VIBRATO_MAX_RATIO)) + 2
        x = None
        for f in files:
            a, _ = sf.read(str(f), start=offset, frames=need, dtype="float32", always_2d=True)
            a = a.mean(axis=1)
            x = a if x is None else x[:len(a)] + a[:len(x)]
        if len(x) < need:  # a file shorter than its header said: pad with silence
            x = np.pad(x, (0, need - len(x)))
        return np.interp(pos, np.arange(len(x)), x).astype(np.float32)

    def signals(self, recipes):
        """Time-domain stems of the recipes before gain and EQ: (b, 3, chunk) float32."""
        out = np.zeros((len(recipes), len(ROLES), self.chunk), np.float32)
        for i, r in enumerate(recipes):
            for j, (role, part) in enumerate(zip(ROLES, r.parts)):
                if part is not None:
                    out[i, j] = self._read(self._pool(role, r.unsplit), part)
        return out

    def coefficients(self, recipes):
        """Complex NSGT coefficients of the treated stems, (b, 3, 96, 1948) complex64;
        the mixture's are their sum over axis 1."""
        x = self.signals(recipes)
        b, s = x.shape[:2]
        c = self.nsgt.forward(x.reshape(b * s, -1), dtype=np.float32).reshape(
            b, s, *self.nsgt.shape)
        gains = np.array([[0.0 if p is None else p[3] for p in r.parts] for r in recipes])
        eq = np.stack([r.eq_db for r in recipes])  # (b, 3, 96)
        scale = (10.0 ** ((gains[..., None] + eq) / 20.0)).astype(np.float32)
        c *= scale[..., None]
        v = ROLES.index("vocal")
        for i, r in enumerate(recipes):
            if r.vocal_under_db is None:
                continue
            e_voc, e_acc = energies(c[i])
            if e_voc > 0 and e_acc > 0:
                c[i, v] *= np.float32(np.sqrt(e_acc / e_voc * 10 ** (-r.vocal_under_db / 10)))
        return c

    def batch(self, epoch, index):
        """Batch ``index`` of ``epoch``: ``(mix_mag (b, 96, 1948), targets (b, 3, 96, 1948))``
        float32, targets in the order harmonic, percussive, vocal (an unsplit example's
        percussive target is :data:`UNSPLIT` throughout)."""
        first = index * self.batch_size
        recipes = [self.recipe(epoch, first + k) for k in range(self.batch_size)]
        c = self.coefficients(recipes)
        targets = np.abs(c)
        for i, r in enumerate(recipes):
            if r.unsplit:
                targets[i, ROLES.index("percussive")] = UNSPLIT
        return np.abs(c.sum(axis=1)), targets

    def __iter__(self):
        """One epoch of batches; the next iteration makes the next epoch's (new mixes)."""
        epoch = self.epoch
        self.epoch += 1
        if self.prefetch <= 0:
            for k in range(self.steps):
                yield self.batch(epoch, k)
            return
        q = queue.Queue(maxsize=self.prefetch)
        stop = threading.Event()

        def work():
            for k in range(self.steps):
                if stop.is_set():
                    return
                try:
                    q.put(("ok", self.batch(epoch, k)))
                except Exception as exc:  # noqa: BLE001 - handed to the consumer
                    q.put(("error", exc))
                    return

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        try:
            for _ in range(self.steps):
                kind, item = q.get()
                if kind == "error":
                    raise item
                yield item
        finally:
            stop.set()
            while thread.is_alive():
                try:
                    q.get_nowait()
                except queue.Empty:
                    thread.join(0.05)
