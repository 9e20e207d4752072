#!/usr/bin/env python
# coding: utf-8

# # My layers notebook: assignment 2 (conv nets) and assignment 3 (RNN captioning)
# 
# Every layer I wrote, tested with the notebook's numeric gradient checks.

# In[1]:


import numpy as np
import matplotlib.pyplot as plt
from numpy.lib.stride_tricks import sliding_window_view
from cs231n.gradient_check import eval_numerical_gradient_array

get_ipython().run_line_magic('matplotlib', 'inline')
plt.rcParams['figure.figsize'] = (10.0, 8.0)


def rel_error(x, y):
    """ returns relative error """
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


# ## Fully connected layers (assignment 2)

# In[2]:


def affine_forward(x, w, b):
    """Computes the forward pass for an affine (fully connected) layer."""
    out = x.reshape(len(x), -1) @ w + b
    cache = (x, w, b)
    return out, cache


# In[3]:


def affine_backward(dout, cache):
    """Computes the backward pass for an affine (fully connected) layer."""
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(len(x), -1).T @ dout
    db = dout.sum(0)
    return dx, dw, db


# In[4]:


def relu_forward(x):
    out = np.maximum(x, 0)
    cache = x
    return out, cache


# In[5]:


def relu_backward(dout, cache):
    dx = dout.copy()
    dx[cache <= 0] = 0
    return dx


# In[6]:


def softmax_loss(x, y):
    N = len(y)
    shifted = x - x.max(1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    loss = -log_probs[range(N), y].sum() / N
    dx = np.exp(log_probs)
    dx[range(N), y] -= 1
    dx /= N
    return loss, dx


# In[7]:


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    out, cache = None, None
    if mode == "train":
        mean = x.mean(0)
        var = x.var(0)
        std = np.sqrt(var + eps)
        x_norm = (x - mean) / std
        out = gamma * x_norm + beta
        cache = {"x_norm": x_norm, "gamma": gamma, "std": std}
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


# In[8]:


def batchnorm_backward(dout, cache):
    x_norm, gamma, std = cache["x_norm"], cache["gamma"], cache["std"]
    N = len(dout)
    dbeta = dout.sum(0)
    dgamma = (dout * x_norm).sum(0)
    dx_norm = dout * gamma
    dx = (dx_norm - dx_norm.mean(0) - x_norm * (dx_norm * x_norm).mean(0)) / std
    return dx, dgamma, dbeta


# In[9]:


def batchnorm_backward_alt(dout, cache):
    x_norm, gamma, std = cache["x_norm"], cache["gamma"], cache["std"]
    N = len(dout)
    dbeta = dout.sum(0)
    dgamma = (dout * x_norm).sum(0)
    dx = gamma / (N * std) * (N * dout - dbeta - x_norm * dgamma)
    return dx, dgamma, dbeta


# In[10]:


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mean = x.mean(1, keepdims=True)
    std = np.sqrt(x.var(1, keepdims=True) + eps)
    x_norm = (x - mean) / std
    out = gamma * x_norm + beta
    cache = {"x_norm": x_norm, "gamma": gamma, "std": std}
    return out, cache


# In[11]:


def layernorm_backward(dout, cache):
    x_norm, gamma, std = cache["x_norm"], cache["gamma"], cache["std"]
    dbeta = dout.sum(0)
    dgamma = (dout * x_norm).sum(0)
    dx_norm = dout * gamma
    dx = (dx_norm - dx_norm.mean(1, keepdims=True) - x_norm * (dx_norm * x_norm).mean(1, keepdims=True)) / std
    return dx, dgamma, dbeta


# In[12]:


def dropout_forward(x, dropout_param):
    """
    Inputs:
    - x: Input data, of any shape
    - dropout_param: A dictionary with the following keys:
      - p: Dropout parameter. We keep each neuron output with probability p.
      - mode: 'test' or 'train'.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x
    cache = (dropout_param, mask)
    return out.astype(x.dtype, copy=False), cache


# In[13]:


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout


# ## Convolution: naive forward and backward passes

# In[14]:


def conv_forward_naive(x, w, b, conv_param):
    """Convolution as one einsum per filter offset (di, dj)."""
    s, p = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * p - HH) // s
    W_out = 1 + (W + 2 * p - WW) // s
    x_pad = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)])
    out = np.zeros((N, F, H_out, W_out)) + b[None, :, None, None]
    for di in range(HH):
        for dj in range(WW):
            patch = x_pad[:, :, di:di + s * (H_out - 1) + 1:s, dj:dj + s * (W_out - 1) + 1:s]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, di, dj])
    cache = (x, w, b, conv_param)
    return out, cache


# In[15]:


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    s, p = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)])
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for di in range(HH):
        for dj in range(WW):
            rows = slice(di, di + s * (H_out - 1) + 1, s)
            cols = slice(dj, dj + s * (W_out - 1) + 1, s)
            dw[:, :, di, dj] = np.einsum("nchw,nfhw->fc", x_pad[:, :, rows, cols], dout)
            dx_pad[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, w[:, :, di, dj])
    dx = dx_pad[:, :, p:p + H, p:p + W]
    return dx, dw, db


# In[16]:


np.random.seed(231)
x = np.random.randn(4, 3, 5, 5)
w = np.random.randn(2, 3, 3, 3)
b = np.random.randn(2,)
dout = np.random.randn(4, 2, 5, 5)
conv_param = {'stride': 1, 'pad': 1}

dx_num = eval_numerical_gradient_array(lambda x: conv_forward_naive(x, w, b, conv_param)[0], x, dout)
out, cache = conv_forward_naive(x, w, b, conv_param)
dx, dw, db = conv_backward_naive(dout, cache)
print('Testing conv_backward_naive function')
print('dx error: ', rel_error(dx, dx_num))


# ## Max pooling

# In[17]:


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    windows = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::s, ::s]
    out = windows.max(axis=(4, 5))
    cache = (x, pool_param)
    return out, cache


# In[18]:


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    windows = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::s, ::s]
    N, C, H_out, W_out = dout.shape
    flat = windows.reshape(N, C, H_out, W_out, ph * pw)
    best = flat.argmax(axis=-1)
    di, dj = np.unravel_index(best, (ph, pw))
    n, c, i, j = np.indices(dout.shape)
    dx = np.zeros_like(x)
    np.add.at(dx, (n, c, i * s + di, j * s + dj), dout)
    return dx


# In[19]:


x = np.random.randn(3, 2, 8, 8)
dout = np.random.randn(3, 2, 4, 4)
pool_param = {'pool_height': 2, 'pool_width': 2, 'stride': 2}
dx_num = eval_numerical_gradient_array(lambda x: max_pool_forward_naive(x, pool_param)[0], x, dout)
out, cache = max_pool_forward_naive(x, pool_param)
dx = max_pool_backward_naive(dout, cache)
print('dx error: ', rel_error(dx, dx_num))


# ## Spatial batch normalization

# In[20]:


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    x_rows = np.moveaxis(x, 1, -1).reshape(-1, C)
    out_rows, cache = batchnorm_forward(x_rows, gamma, beta, bn_param)
    out = np.moveaxis(out_rows.reshape(N, H, W, C), -1, 1)
    return out, cache


# In[21]:


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dout_rows = np.moveaxis(dout, 1, -1).reshape(-1, C)
    dx_rows, dgamma, dbeta = batchnorm_backward_alt(dout_rows, cache)
    dx = np.moveaxis(dx_rows.reshape(N, H, W, C), -1, 1)
    return dx, dgamma, dbeta


# In[22]:


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    xg = x.reshape(N, G, C // G, H, W)
    mean = xg.mean(axis=(2, 3, 4), keepdims=True)
    std = np.sqrt(xg.var(axis=(2, 3, 4), keepdims=True) + eps)
    x_norm = ((xg - mean) / std).reshape(N, C, H, W)
    out = gamma * x_norm + beta
    cache = {"x_norm": x_norm, "gamma": gamma, "std": std, "G": G}
    return out, cache


# In[23]:


def spatial_groupnorm_backward(dout, cache):
    x_norm, gamma, std, G = cache["x_norm"], cache["gamma"], cache["std"], cache["G"]
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dout * x_norm).sum(axis=(0, 2, 3), keepdims=True)
    dxn = (dout * gamma).reshape(N, G, C // G, H, W)
    xn = x_norm.reshape(N, G, C // G, H, W)
    axes = (2, 3, 4)
    dx = (dxn - dxn.mean(axis=axes, keepdims=True) - xn * (dxn * xn).mean(axis=axes, keepdims=True)) / std
    return dx.reshape(N, C, H, W), dgamma, dbeta


# ## Assignment 3: vanilla RNN, one step and a whole sequence

# In[24]:


def rnn_step_forward(x, prev_h, Wx, Wh, b):
  """
  A single timestep of a vanilla RNN with a tanh activation.
  """
  next_h, cache = None, None
  pre = prev_h.dot(Wh) + x.dot(Wx) + b
  next_h = np.tanh(pre)
  cache = (x, prev_h, Wx, Wh, b, pre, next_h)
  return next_h, cache


# In[25]:


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


# In[26]:


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


# In[27]:


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


# In[28]:


N, D, T, H = 2, 3, 10, 5
x = np.random.randn(N, T, D)
h0 = np.random.randn(N, H)
Wx = np.random.randn(D, H)
Wh = np.random.randn(H, H)
b = np.random.randn(H)
out, cache = rnn_forward(x, h0, Wx, Wh, b)
dout = np.random.randn(*out.shape)
dx, dh0, dWx, dWh, db = rnn_backward(dout, cache)
fx = lambda x: rnn_forward(x, h0, Wx, Wh, b)[0]
dx_num = eval_numerical_gradient_array(fx, x, dout)
print('dx error: ', rel_error(dx_num, dx))


# ## Word embedding

# In[29]:


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


# In[30]:


def word_embedding_backward(dout, cache):
  """
  Backward pass for word embeddings.
  """
  x, V = cache
  D = dout.shape[-1]
  dW = np.zeros((V, D))
  np.add.at(dW, x.flatten(), dout.reshape(-1, D))
  return dW


# In[31]:


def sigmoid(x):
  """
  A numerically stable version of the logistic sigmoid function.
  """
  z = np.exp(-np.abs(x))
  return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


# ## LSTM

# In[32]:


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


# In[33]:


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


# In[34]:


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


# In[35]:


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


# In[36]:


N, D, T, H = 2, 3, 10, 6
x = np.random.randn(N, T, D)
h0 = np.random.randn(N, H)
Wx = np.random.randn(D, 4 * H)
Wh = np.random.randn(H, 4 * H)
b = np.random.randn(4 * H)
out, cache = lstm_forward(x, h0, Wx, Wh, b)
dout = np.random.randn(*out.shape)
dx, dh0, dWx, dWh, db = lstm_backward(dout, cache)
print('dWx error: ', rel_error(dWx, eval_numerical_gradient_array(lambda Wx: lstm_forward(x, h0, Wx, Wh, b)[0], Wx, dout)))


# In[37]:


def temporal_affine_forward(x, w, b):
  """
  Forward pass for a temporal affine layer.
  """
  N, T, D = x.shape
  M = b.shape[0]
  out = x.reshape(N * T, D).dot(w).reshape(N, T, M) + b
  cache = x, w, b, out
  return out, cache


# In[38]:


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


# In[39]:


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
