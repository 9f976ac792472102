"""The vocal dev set (mixin train vocal-devset): three groups, held-out voices only, each
vocal at its drawn level under real accompaniment, and effect ranges no training chain uses."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from mixin_gui.synthdata import production, realsources, sampler, vocals

SR = 44100


def _missing():
    missing = []
    if not realsources.fof_songs():
        missing.append("Frets on Fire songs")
    for name in ("salamander", "violin", "cello", "contrabass"):
        if sampler.instrument(name) is None:
            missing.append(name)
    if not realsources.gcin_syllables("3"):
        missing.append("gcin-voice")
    if not vocals._festival_has("ked_diphone"):
        missing.append("festival ked_diphone")
    return missing


needs_material = pytest.mark.skipif(bool(_missing()), reason="real material or voices missing "
                                    "(make setup-train): " + ", ".join(_missing()))


def test_training_voices_never_draw_a_held_out_voice():
    held = {(v.engine, v.name) for v in vocals.HELD_OUT_VOICES}
    rng = np.random.default_rng(0)
    drawn = {(v.engine, v.name) for v in (vocals.training_voice(rng) for _ in range(400))}
    assert drawn and not drawn & held
    drawn = {(v.engine, v.name) for v in (vocals.pick_voice(rng, held_out=("3",))
                                          for _ in range(400))}
    assert ("gcin", "3") not in drawn


@pytest.mark.parametrize("key", ["ratio", "threshold", "presence_hz", "feedback"])
def test_the_dev_chains_ranges_lie_outside_the_training_ones(key):
    from mixin_gui.synthdata.vocal_devset import DEV_CHOIR_CHAIN, DEV_LEAD_CHAIN

    for dev in (DEV_LEAD_CHAIN, DEV_CHOIR_CHAIN):
        for train in (production.VOCAL_CHAIN, production.PLATE_CHAIN):
            lo, hi = dev[key]
            tlo, thi = train[key]
            assert hi <= tlo or lo >= thi, (key, dev[key], train[key])


@needs_material
def test_the_vocal_dev_set_has_its_groups_voices_and_levels(tmp_path, capsys):
    from mixin_gui.cli import main
    from mixin_gui.synthdata.vocal_devset import ACCOMPANIMENT_DBFS, GROUPS, UNDER_DB

    out = tmp_path / "dev"
    assert main(["train", "vocal-devset", "--out", str(out), "--seconds", "5"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert {n.split("-")[0] for n in names} == set(GROUPS) and len(names) == 12
    held = {f"{v.engine}:{v.name}" for v in vocals.HELD_OUT_VOICES}
    for name in names:
        folder = out / name
        info = json.loads((folder / "synth.json").read_text())
        group = info["group"]
        assert name.startswith(group)
        sung = info["voice"].split("]:")[-1] if group == "choir" else \
            info["voice"].rsplit(":", 1)[0]
        assert sung and all(v in held for v in sung.split(",")), info["voice"]
        files = {p.stem: sf.read(str(p), dtype="float32") for p in folder.glob("*.wav")}
        for audio, sr in files.values():
            assert sr == SR and audio.shape == (5 * SR, 2)
        lo, hi = UNDER_DB[group]
        assert lo <= info["vocal_under_db"] <= hi
        voc = files["vocals"][0]
        rest = sum(a for k, (a, _) in files.items() if k not in ("vocals", "mixture"))
        assert np.max(np.abs(voc + rest - files["mixture"][0])) < 1e-5
        # the vocal sits where its card says under the accompaniment (active levels)
        level = 20 * np.log10(production.active_rms(voc) / production.active_rms(rest))
        assert level == pytest.approx(-info["vocal_under_db"], abs=0.05), name
        if np.abs(files["mixture"][0]).max() < 0.9 - 1e-4:  # not brought down by the peak
            assert 20 * np.log10(production.active_rms(rest)) == pytest.approx(
                ACCOMPANIMENT_DBFS, abs=0.05)
    if "choir-2" in names:
        info = json.loads((out / "choir-2" / "synth.json").read_text())
        assert info["voice"].startswith("choir[4]")  # three and four voices in turn
    before = (out / names[0] / "mixture.wav").read_bytes()
    assert main(["train", "vocal-devset", "--out", str(out), "--seconds", "4"]) != 0
    assert "already exists" in capsys.readouterr().err
    assert (out / names[0] / "mixture.wav").read_bytes() == before
