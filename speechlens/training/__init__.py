"""Training: corpus preparation, fitting, evaluation (the only place scikit-learn is used)."""
