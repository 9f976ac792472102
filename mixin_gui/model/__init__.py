"""The CDAE networks: architecture, loading and saving (``cdae``), model directories
(``stems``), and importing the Keras backend (``backend``).

Nothing is imported here, so ``mixin_gui.model.backend`` can be imported without Keras.
"""
