"""The main window's parts: time plots (waveform, spectrogram), stem mixer, queue, options."""
