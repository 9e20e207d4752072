import numpy as np
from cs231n.im2col import *



def affine_forward(x, w, b):
  """
  Computes the forward pass for an affine (fully-connected) layer.

  Inputs:
  - x: A numpy array containing input data, of shape (N, d_1, ..., d_k)
  - w: A numpy array of weights, of shape (D, M)
  - b: A numpy array of biases, of shape (M,)
  """
  out = None
  #############################################################################
  # TODO: Implement the affine forward pass. Store the result in out.        #
  #############################################################################
  num_inputs = x.shape[0]
  input_shape = np.prod(x.shape[1:])
  out = np.dot(x.reshape(num_inputs, input_shape), w) + b
  #############################################################################
  #                             END OF YOUR CODE                              #
  #############################################################################
  cache = (x, w, b)
  return out, cache


def affine_backward(dout, cache):
  x, w, b = cache
  dx, dw, db = None, None, None
  num_inputs = x.shape[0]
  dx = np.dot(dout, w.T).reshape(x.shape)
  dw = np.dot(x.reshape(num_inputs, -1).T, dout)
  db = np.sum(dout, axis=0)
  return dx, dw, db


def relu_forward(x):
  out = None
  out = np.maximum(0, x)
  cache = x
  return out, cache


def relu_backward(dout, cache):
  dx, x = None, cache
  dx = np.array(dout, copy=True)
  dx[x <= 0] = 0
  return dx


def batchnorm_forward(x, gamma, beta, bn_param):
  """
  Forward pass for batch normalization.

  running_mean = momentum * running_mean + (1 - momentum) * sample_mean
  running_var = momentum * running_var + (1 - momentum) * sample_var
  """
  mode = bn_param['mode']
  eps = bn_param.get('eps', 1e-5)
  momentum = bn_param.get('momentum', 0.9)

  N, D = x.shape
  running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
  running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))

  out, cache = None, None
  if mode == 'train':
    mean = np.sum(x, axis=0) / N
    centered = x - mean
    var = np.sum(centered ** 2, axis=0) / N
    std = np.sqrt(var + eps)
    normalized = centered / std
    out = gamma * normalized + beta
    cache = (centered, std, normalized, gamma)

    running_mean = momentum * running_mean + (1 - momentum) * mean
    running_var = momentum * running_var + (1 - momentum) * var
  elif mode == 'test':
    normalized = (x - running_mean) / np.sqrt(running_var + eps)
    out = gamma * normalized + beta
  else:
    raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

  # Store the updated running means back into bn_param
  bn_param['running_mean'] = running_mean
  bn_param['running_var'] = running_var

  return out, cache


def batchnorm_backward(dout, cache):
  dx, dgamma, dbeta = None, None, None
  centered, std, normalized, gamma = cache
  N = dout.shape[0]

  dbeta = np.sum(dout, axis=0)
  dgamma = np.sum(dout * normalized, axis=0)
  dnormalized = dout * gamma
  dcentered = dnormalized / std
  dstd = -np.sum(dnormalized * centered, axis=0) / (std * std)
  dvar = dstd / (2 * std)
  dcentered += 2 * centered * dvar / N
  dx = dcentered - np.sum(dcentered, axis=0) / N

  return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
  dx, dgamma, dbeta = None, None, None
  centered, std, normalized, gamma = cache
  N = dout.shape[0]
  dbeta = np.sum(dout, axis=0)
  dgamma = np.sum(dout * normalized, axis=0)
  dx = gamma / std * (dout - dbeta / N - normalized * dgamma / N)
  return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
  """
  Performs the forward pass for (inverted) dropout.

  Inputs:
  - x: Input data, of any shape
  - dropout_param: A dictionary with the following keys:
    - p: Dropout parameter. We drop each neuron output with probability p.
    - mode: 'test' or 'train'. If the mode is train, then perform dropout;
      if the mode is test, then just return the input.
    - seed: Seed for the random number generator.

  Outputs:
  - out: Array of the same shape as x.
  - cache: A tuple (dropout_param, mask).
  """
  p, mode = dropout_param['p'], dropout_param['mode']
  if 'seed' in dropout_param:
    np.random.seed(dropout_param['seed'])

  mask = None
  out = None

  if mode == 'train':
    ###########################################################################
    # TODO: Implement the training phase forward pass for inverted dropout.   #
    # Store the dropout mask in the mask variable.                            #
    ###########################################################################
    mask = np.random.rand(*x.shape) > p
    out = x * mask / (1 - p)
    ###########################################################################
    #                            END OF YOUR CODE                             #
    ###########################################################################
  elif mode == 'test':
    out = x

  cache = (dropout_param, mask)
  out = out.astype(x.dtype, copy=False)

  return out, cache


def dropout_backward(dout, cache):
  dropout_param, mask = cache
  mode = dropout_param['mode']

  dx = None
  if mode == 'train':
    dx = dout * mask / (1 - dropout_param['p'])
  elif mode == 'test':
    dx = dout
  return dx


def svm_loss(x, y):
  N = x.shape[0]
  correct = x[np.arange(N), y][:, None]
  margins = np.maximum(0, x - correct + 1.0)
  margins[np.arange(N), y] = 0
  loss = np.sum(margins) / N
  positive = (margins > 0).astype(float)
  positive[np.arange(N), y] = -np.sum(positive, axis=1)
  dx = positive / N
  return loss, dx


def softmax_loss(x, y):
  N = x.shape[0]
  probs = np.exp(x - np.max(x, axis=1, keepdims=True))
  probs /= np.sum(probs, axis=1, keepdims=True)
  loss = -np.sum(np.log(probs[np.arange(N), y])) / N
  dx = probs.copy()
  dx[np.arange(N), y] -= 1
  dx /= N
  return loss, dx
