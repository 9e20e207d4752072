"""Bug: the loss adds reg * sum(W * W) (2017 on) but dW adds reg * W (the 2016 gradient): right under neither L2 convention."""
import numpy as np


def softmax_loss_naive(W, X, y, reg):
    num_train = X.shape[0]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(num_train):
        scores = X[i].dot(W)
        scores -= scores.max()
        p = np.exp(scores) / np.sum(np.exp(scores))
        loss -= np.log(p[y[i]])
        p[y[i]] -= 1
        dW += np.outer(X[i], p)
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + reg * W
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= scores.max(axis=1, keepdims=True)
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(num_train), y]).mean() + reg * np.sum(W * W)
    p[np.arange(num_train), y] -= 1
    dW = X.T.dot(p) / num_train + reg * W
    return loss, dW
