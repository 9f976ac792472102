"""The CDAE networks: model files read and validated with h5py (``files``), the ONNX graph of
all stems (``onnx_graph``, ``onnx_proto``) run by ONNX Runtime (``runtime``), model directories
(``stems``, ``discovery``), and, for training only, the Keras CDAE (``cdae``) and importing
Keras (``backend``).

Nothing is imported here, so separating never imports Keras or TensorFlow.
"""
