"""The networks: model files read and validated with h5py (``files``; the joint U-Net's in
``unet_arch``), their ONNX graphs (``onnx_unet`` for the U-Net, ``onnx_graph`` for the CDAEs,
bytes by ``onnx_proto``) run by ONNX Runtime (``runtime``), model directories (``stems``,
``discovery``), and, for training only, the Keras U-Net (``unet``) and CDAE (``cdae``) and
importing Keras (``backend``).

Nothing is imported here, so separating never imports Keras or TensorFlow.
"""
