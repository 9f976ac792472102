"""File I/O only: ``io`` reads any input to float32 frames (header checks in ``checks``),
``outputs`` plans where stems go (template, exists policy, collisions), ``write`` writes them
atomically. Nothing is imported here, so the GUI can use ``outputs`` without loading
libsndfile."""
