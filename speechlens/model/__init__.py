"""The model: features, numeric kernels, the classifier, the context stage, storage."""
