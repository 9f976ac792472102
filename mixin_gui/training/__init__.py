"""Training pipeline: stem preparation, HDF5 datasets, training loop, evaluation.

Submodules are imported on demand: ``stems`` and ``hdf5`` need no Keras, so preparing data
does not load TensorFlow. Nothing here imports Qt.
"""
