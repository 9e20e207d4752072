"""Bug: svm_loss_naive uses the 2017 L2 term and svm_loss_vectorized the 2016 one: a file is one version, so one of them is wrong."""
import numpy as np


def svm_loss_naive(W, X, y, reg):
    N = X.shape[0]
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[np.arange(N), y][:, None] + 1)
    margins[np.arange(N), y] = 0
    counts = (margins > 0).astype(float)
    counts[np.arange(N), y] = -counts.sum(axis=1)
    return margins.sum() / N + reg * np.sum(W * W), X.T.dot(counts) / N + 2 * reg * W


def svm_loss_vectorized(W, X, y, reg):
    N = X.shape[0]
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[np.arange(N), y][:, None] + 1)
    margins[np.arange(N), y] = 0
    counts = (margins > 0).astype(float)
    counts[np.arange(N), y] = -counts.sum(axis=1)
    return margins.sum() / N + 0.5 * reg * np.sum(W * W), X.T.dot(counts) / N + reg * W
