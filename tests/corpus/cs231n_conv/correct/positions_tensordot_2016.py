import numpy as np


def affine_forward(x, w, b):
  """
  Computes the forward pass for an affine (fully-connected) layer.
  """
  N = x.shape[0]
  x_rows = x.reshape(N, np.prod(x.shape[1:]))
  out = np.dot(x_rows, w) + b
  cache = (x, w, b)
  return out, cache


def affine_backward(dout, cache):
  x, w, b = cache
  N = x.shape[0]
  x_rows = x.reshape(N, np.prod(x.shape[1:]))
  dx = np.dot(dout, w.T).reshape(x.shape)
  dw = np.dot(x_rows.T, dout)
  db = np.sum(dout, axis=0)
  return dx, dw, db


def relu_forward(x):
  out = x.copy()
  out[out < 0] = 0
  cache = x
  return out, cache


def relu_backward(dout, cache):
  x = cache
  dx = dout * (x > 0)
  return dx


def batchnorm_forward(x, gamma, beta, bn_param):
  mode = bn_param['mode']
  eps = bn_param.get('eps', 1e-5)
  momentum = bn_param.get('momentum', 0.9)

  N, D = x.shape
  running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
  running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))

  out, cache = None, None
  if mode == 'train':
    mu = np.mean(x, axis=0)
    xmu = x - mu
    var = np.mean(xmu ** 2, axis=0)
    sqrtvar = np.sqrt(var + eps)
    ivar = 1. / sqrtvar
    xhat = xmu * ivar
    out = gamma * xhat + beta
    cache = (xhat, gamma, xmu, ivar, sqrtvar, var, eps)
    running_mean = momentum * running_mean + (1 - momentum) * mu
    running_var = momentum * running_var + (1 - momentum) * var
  elif mode == 'test':
    out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
  else:
    raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

  bn_param['running_mean'] = running_mean
  bn_param['running_var'] = running_var
  return out, cache


def batchnorm_backward(dout, cache):
  # the computational graph, one node at a time
  xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
  N, D = dout.shape
  dbeta = np.sum(dout, axis=0)
  dgamma = np.sum(dout * xhat, axis=0)
  dxhat = dout * gamma
  divar = np.sum(dxhat * xmu, axis=0)
  dxmu1 = dxhat * ivar
  dsqrtvar = -1. / (sqrtvar ** 2) * divar
  dvar = 0.5 * 1. / np.sqrt(var + eps) * dsqrtvar
  dsq = 1. / N * np.ones((N, D)) * dvar
  dxmu2 = 2 * xmu * dsq
  dx1 = dxmu1 + dxmu2
  dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
  dx2 = 1. / N * np.ones((N, D)) * dmu
  dx = dx1 + dx2
  return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
  """
  Performs the forward pass for (inverted) dropout.

  Inputs:
  - x: Input data, of any shape
  - dropout_param: A dictionary with the following keys:
    - p: Dropout parameter. We drop each neuron output with probability p.
    - mode: 'test' or 'train'.
  """
  p, mode = dropout_param['p'], dropout_param['mode']
  if 'seed' in dropout_param:
    np.random.seed(dropout_param['seed'])

  mask = None
  out = None
  if mode == 'train':
    mask = (np.random.rand(*x.shape) >= p) / (1 - p)
    out = x * mask
  elif mode == 'test':
    out = x

  cache = (dropout_param, mask)
  out = out.astype(x.dtype, copy=False)
  return out, cache


def dropout_backward(dout, cache):
  dropout_param, mask = cache
  mode = dropout_param['mode']
  if mode == 'train':
    dx = dout * mask
  elif mode == 'test':
    dx = dout
  return dx


def conv_forward_naive(x, w, b, conv_param):
  """
  A naive implementation of the forward pass for a convolutional layer.

  Returns a tuple of:
  - out: Output data.
  - cache: (x, w, b, conv_param)
  """
  N, C, H, W = x.shape
  F, C, HH, WW = w.shape
  S = conv_param['stride']
  P = conv_param['pad']
  Hp = 1 + (H + 2 * P - HH) // S
  Wp = 1 + (W + 2 * P - WW) // S
  xp = np.pad(x, ((0,), (0,), (P,), (P,)), 'constant')
  out = np.zeros((N, F, Hp, Wp))
  for i in range(Hp):
    for j in range(Wp):
      field = xp[:, :, i*S:i*S+HH, j*S:j*S+WW]
      out[:, :, i, j] = np.tensordot(field, w, axes=([1, 2, 3], [1, 2, 3])) + b
  cache = (x, w, b, conv_param)
  return out, cache


def conv_backward_naive(dout, cache):
  """
  A naive implementation of the backward pass for a convolutional layer.
  """
  x, w, b, conv_param = cache
  N, C, H, W = x.shape
  F, C, HH, WW = w.shape
  S = conv_param['stride']
  P = conv_param['pad']
  N, F, Hp, Wp = dout.shape
  xp = np.pad(x, ((0,), (0,), (P,), (P,)), 'constant')
  dxp = np.zeros(xp.shape)
  dw = np.zeros(w.shape)
  db = np.sum(dout, axis=(0, 2, 3))
  for i in range(Hp):
    for j in range(Wp):
      field = xp[:, :, i*S:i*S+HH, j*S:j*S+WW]
      dw += np.tensordot(dout[:, :, i, j], field, axes=([0], [0]))
      dxp[:, :, i*S:i*S+HH, j*S:j*S+WW] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
  dx = dxp[:, :, P:P+H, P:P+W]
  return dx, dw, db


def max_pool_forward_naive(x, pool_param):
  N, C, H, W = x.shape
  HH = pool_param['pool_height']
  WW = pool_param['pool_width']
  S = pool_param['stride']
  Hp = 1 + (H - HH) // S
  Wp = 1 + (W - WW) // S
  out = np.zeros((N, C, Hp, Wp))
  for n in range(N):
    for c in range(C):
      for i in range(Hp):
        for j in range(Wp):
          out[n, c, i, j] = x[n, c, i*S:i*S+HH, j*S:j*S+WW].max()
  cache = (x, pool_param)
  return out, cache


def max_pool_backward_naive(dout, cache):
  x, pool_param = cache
  N, C, H, W = x.shape
  HH = pool_param['pool_height']
  WW = pool_param['pool_width']
  S = pool_param['stride']
  N, C, Hp, Wp = dout.shape
  dx = np.zeros(x.shape)
  for n in range(N):
    for c in range(C):
      for i in range(Hp):
        for j in range(Wp):
          field = x[n, c, i*S:i*S+HH, j*S:j*S+WW]
          a, bb = np.unravel_index(np.argmax(field), field.shape)
          dx[n, c, i*S + a, j*S + bb] += dout[n, c, i, j]
  return dx


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
  N, C, H, W = x.shape
  x_new = x.transpose(0, 2, 3, 1).reshape(N*H*W, C)
  out, cache = batchnorm_forward(x_new, gamma, beta, bn_param)
  out = out.reshape(N, H, W, C).transpose(0, 3, 1, 2)
  return out, cache


def spatial_batchnorm_backward(dout, cache):
  N, C, H, W = dout.shape
  dout_new = dout.transpose(0, 2, 3, 1).reshape(N*H*W, C)
  dx, dgamma, dbeta = batchnorm_backward(dout_new, cache)
  dx = dx.reshape(N, H, W, C).transpose(0, 3, 1, 2)
  return dx, dgamma, dbeta


def svm_loss(x, y):
  N = x.shape[0]
  correct_class_scores = x[np.arange(N), y]
  margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
  margins[np.arange(N), y] = 0
  loss = np.sum(margins) / N
  num_pos = np.sum(margins > 0, axis=1)
  dx = np.zeros_like(x)
  dx[margins > 0] = 1
  dx[np.arange(N), y] -= num_pos
  dx /= N
  return loss, dx


def softmax_loss(x, y):
  probs = np.exp(x - np.max(x, axis=1, keepdims=True))
  probs /= np.sum(probs, axis=1, keepdims=True)
  N = x.shape[0]
  loss = -np.sum(np.log(probs[np.arange(N), y])) / N
  dx = probs.copy()
  dx[np.arange(N), y] -= 1
  dx /= N
  return loss, dx
