import numpy as np
from random import shuffle

def softmax_loss_naive(W, X, y, reg):
  """
  Softmax loss function, naive implementation (with loops)

  Inputs:
  - W: A numpy array of shape (D, C) containing weights.
  - X: A numpy array of shape (N, D) containing a minibatch of data.
  - y: A numpy array of shape (N,) containing training labels.
  - reg: (float) regularization strength

  Returns a tuple of:
  - loss as single float
  - gradient with respect to weights W; an array of same shape as W
  """
  # Initialize the loss and gradient to zero.
  loss = 0.0
  dW = np.zeros_like(W)

  #############################################################################
  # TODO: Compute the softmax loss and its gradient using explicit loops.     #
  #############################################################################
  num_train = X.shape[0]
  num_classes = W.shape[1]
  for i in range(num_train):
    scores = X[i].dot(W)
    scores = scores - scores.max()
    total = 0.0
    for j in range(num_classes):
      total += np.exp(scores[j])
    loss += np.log(total) - scores[y[i]]
    for j in range(num_classes):
      dW[:, j] += np.exp(scores[j]) / total * X[i]
    dW[:, y[i]] -= X[i]

  loss /= num_train
  dW /= num_train

  # Add regularization to the loss.
  loss += 0.5 * reg * np.sum(W * W)
  dW += reg * W
  #############################################################################
  #                          END OF YOUR CODE                                 #
  #############################################################################

  return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
  """
  Softmax loss function, vectorized version.

  Inputs and outputs are the same as softmax_loss_naive.
  """
  loss = 0.0
  dW = np.zeros_like(W)

  #############################################################################
  # TODO: Compute the softmax loss and its gradient using no explicit loops.  #
  #############################################################################
  N = X.shape[0]
  scores = np.dot(X, W)
  scores -= np.max(scores, axis=1)[:, np.newaxis]
  log_norm = np.log(np.sum(np.exp(scores), axis=1))
  loss = np.sum(log_norm - scores[np.arange(N), y]) / N
  loss += 0.5 * reg * np.sum(W * W)

  dscores = np.exp(scores - log_norm[:, np.newaxis])
  dscores[np.arange(N), y] -= 1
  dW = np.dot(X.T, dscores) / N + reg * W
  #############################################################################
  #                          END OF YOUR CODE                                 #
  #############################################################################

  return loss, dW
