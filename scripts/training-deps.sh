#!/usr/bin/env bash
# What the synthetic training-data generator (mixin train synth) needs beyond PyPI:
# fluidsynth and General MIDI soundfonts (instruments, choir), recorded drum kits, one-shots
# and breaks, and two speech synthesisers for the vocals: festival with three voices (ked_diphone
# is held out for the vocal dev set) and espeak-ng. About 540 MiB installed.
# Only for training: separating music needs none of this (see scripts/system-deps.sh).
# The Python side is the "synth" extra: pip install -e '.[synth]'.
exec bash "$(dirname "$0")/apt-install.sh" training-deps \
    "install fluidsynth, GM soundfonts, Hydrogen drum kits, festival with the cmu_us_slt_arctic_hts, kal_diphone and ked_diphone voices and espeak-ng by hand." \
    fluidsynth fluid-soundfont-gm timgm6mb-soundfont musescore-general-soundfont-small \
    hydrogen-drumkits avldrums.lv2-soundfont sonic-pi-samples lmms-common \
    festival festvox-us-slt-hts festvox-kallpc16k festvox-kdlpc16k espeak-ng
