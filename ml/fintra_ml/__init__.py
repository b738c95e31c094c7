"""FintraOS ML: the guard fraud model's training, ONNX export and scoring service."""
