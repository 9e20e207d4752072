import numpy as np


"""
Layer types for recurrent neural networks, written in the two-space style of the
older starter code.
"""


def rnn_step_forward(x, prev_h, Wx, Wh, b):
  """
  A single timestep of a vanilla RNN with a tanh activation.
  """
  next_h, cache = None, None
  pre = prev_h.dot(Wh) + x.dot(Wx) + b
  next_h = np.tanh(pre)
  cache = (x, prev_h, Wx, Wh, b, pre, next_h)
  return next_h, cache


def rnn_step_backward(dnext_h, cache):
  """
  Backward pass for a single timestep of a vanilla RNN.
  """
  x, prev_h, Wx, Wh, b, pre, next_h = cache
  dpre = (1 - np.tanh(pre) ** 2) * dnext_h
  db = np.sum(dpre, axis=0)
  dWh = prev_h.T.dot(dpre)
  dprev_h = dpre.dot(Wh.T)
  dWx = x.T.dot(dpre)
  dx = dpre.dot(Wx.T)
  return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
  """
  Run a vanilla RNN forward on an entire sequence of data.
  """
  N, T, D = x.shape
  H = h0.shape[1]
  h = np.zeros((N, T, H))
  cache = {}
  h_t = h0
  for t in range(T):
    h_t, cache[t] = rnn_step_forward(x[:, t, :], h_t, Wx, Wh, b)
    h[:, t, :] = h_t
  return h, cache


def rnn_backward(dh, cache):
  """
  Backward pass for a vanilla RNN over an entire sequence of data.
  """
  N, T, H = dh.shape
  x0, _, Wx0, Wh0, _, _, _ = cache[0]
  D = x0.shape[1]
  dx = np.zeros((N, T, D))
  dh0 = np.zeros((N, H))
  dWx = np.zeros(Wx0.shape)
  dWh = np.zeros(Wh0.shape)
  db = np.zeros((H,))
  dprev = np.zeros((N, H))
  t = T - 1
  while t >= 0:
    step = rnn_step_backward(dh[:, t, :] + dprev, cache[t])
    dx[:, t, :], dprev = step[0], step[1]
    dWx += step[2]
    dWh += step[3]
    db += step[4]
    t -= 1
  dh0[:] = dprev
  return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
  """
  Forward pass for word embeddings.
  """
  N, T = x.shape
  V, D = W.shape
  out = np.zeros((N, T, D))
  for n in range(N):
    out[n] = W[x[n]]
  cache = (x, V)
  return out, cache


def word_embedding_backward(dout, cache):
  """
  Backward pass for word embeddings.
  """
  x, V = cache
  D = dout.shape[-1]
  dW = np.zeros((V, D))
  np.add.at(dW, x.flatten(), dout.reshape(-1, D))
  return dW


def sigmoid(x):
  """
  A numerically stable version of the logistic sigmoid function.
  """
  z = np.exp(-np.abs(x))
  return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
  """
  Forward pass for a single timestep of an LSTM.
  """
  a = x.dot(Wx) + prev_h.dot(Wh) + b
  ai, af, ao, ag = np.hsplit(a, 4)
  i = sigmoid(ai)
  f = sigmoid(af)
  o = sigmoid(ao)
  g = np.tanh(ag)
  next_c = f * prev_c + i * g
  next_h = o * np.tanh(next_c)
  cache = (i, f, o, g, a, next_c, prev_c, prev_h, x, Wx, Wh)
  return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
  """
  Backward pass for a single timestep of an LSTM.
  """
  i, f, o, g, a, next_c, prev_c, prev_h, x, Wx, Wh = cache
  do = dnext_h * np.tanh(next_c)
  dnext_c = dnext_c + dnext_h * o * (1 - np.tanh(next_c) ** 2)
  di = dnext_c * g
  df = dnext_c * prev_c
  dg = dnext_c * i
  dprev_c = dnext_c * f
  dai = di * i * (1 - i)
  daf = df * f * (1 - f)
  dao = do * o * (1 - o)
  dag = dg * (1 - g ** 2)
  da = np.hstack((dai, daf, dao, dag))
  dx = da.dot(Wx.T)
  dprev_h = da.dot(Wh.T)
  dWx = x.T.dot(da)
  dWh = prev_h.T.dot(da)
  db = np.sum(da, axis=0)
  return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
  """
  Forward pass for an LSTM over an entire sequence of data.
  """
  N, T, D = x.shape
  H = h0.shape[1]
  h = np.zeros((N, T, H))
  cache = {}
  prev_h = h0
  prev_c = np.zeros_like(h0)
  for t in range(T):
    prev_h, prev_c, cache[t] = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
    h[:, t, :] = prev_h
  return h, cache


def lstm_backward(dh, cache):
  """
  Backward pass for an LSTM over an entire sequence of data.
  """
  N, T, H = dh.shape
  D = cache[0][8].shape[1]
  dx = np.zeros((N, T, D))
  dWx = np.zeros((D, 4 * H))
  dWh = np.zeros((H, 4 * H))
  db = np.zeros((4 * H,))
  dprev_h = np.zeros((N, H))
  dprev_c = np.zeros((N, H))
  for t in reversed(range(T)):
    dx[:, t, :], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, cache[t])
    dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
  dh0 = dprev_h
  return dx, dh0, dWx, dWh, db


def temporal_affine_forward(x, w, b):
  """
  Forward pass for a temporal affine layer.
  """
  N, T, D = x.shape
  M = b.shape[0]
  out = x.reshape(N * T, D).dot(w).reshape(N, T, M) + b
  cache = x, w, b, out
  return out, cache


def temporal_affine_backward(dout, cache):
  """
  Backward pass for temporal affine layer.
  """
  x, w, b, out = cache
  N, T, D = x.shape
  M = b.shape[0]
  dx = dout.reshape(N * T, M).dot(w.T).reshape(N, T, D)
  dw = x.reshape(N * T, D).T.dot(dout.reshape(N * T, M))
  db = dout.sum(axis=(0, 1))
  return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
  """
  A temporal version of softmax loss for use in RNNs.
  """
  N, T, V = x.shape
  x_flat = x.reshape(N * T, V)
  y_flat = y.reshape(N * T)
  mask_flat = mask.reshape(N * T)
  probs = np.exp(x_flat - np.max(x_flat, axis=1, keepdims=True))
  probs /= np.sum(probs, axis=1, keepdims=True)
  loss = -np.sum(mask_flat * np.log(probs[np.arange(N * T), y_flat])) / N
  dx_flat = probs.copy()
  dx_flat[np.arange(N * T), y_flat] -= 1
  dx_flat /= N
  dx_flat *= mask_flat[:, None]
  if verbose: print('dx_flat: ', dx_flat.shape)
  dx = dx_flat.reshape(N, T, V)
  return loss, dx
