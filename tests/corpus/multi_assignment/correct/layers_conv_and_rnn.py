"""layers.py kept as one file through the course: assignment 2's layers (fully connected,
batchnorm, layernorm, dropout, then the naive conv and pooling layers) and, appended for
assignment 3, the recurrent layers of rnn_layers.py."""

from builtins import range
import numpy as np


def affine_forward(x, w, b):
    """Computes the forward pass for an affine (fully connected) layer."""
    out = None
    N = x.shape[0]
    D = w.shape[0]
    out = np.matmul(x.reshape(N, D), w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx, dw, db = None, None, None
    N, D = x.shape[0], w.shape[0]
    dx = np.matmul(dout, w.T).reshape(*x.shape)
    dw = np.matmul(x.reshape(N, D).T, dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    out = np.where(x > 0, x, 0.0)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    x = cache
    return dout * (x > 0).astype(dout.dtype)


def softmax_loss(x, y):
    loss, dx = None, None
    num_train = x.shape[0]
    scores = x - np.max(x, axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = np.mean(-np.log(probs[np.arange(num_train), y]))
    dx = probs
    dx[np.arange(num_train), y] -= 1
    dx = dx / num_train
    return loss, dx


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)

    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        sample_mean = np.mean(x, axis=0)
        sample_var = np.var(x, axis=0)
        x_centered = x - sample_mean
        std = np.sqrt(sample_var + eps)
        x_hat = x_centered / std
        out = gamma * x_hat + beta
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
        cache = (x_hat, std, gamma)
    elif mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    x_hat, std, gamma = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dx = (N * dx_hat - np.sum(dx_hat, axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)) / (N * std)
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    # layer norm is batchnorm on the transposed data, without running averages
    xT = x.T
    mean = np.mean(xT, axis=0)
    std = np.sqrt(np.var(xT, axis=0) + eps)
    x_hat = ((xT - mean) / std).T
    out = gamma * x_hat + beta
    cache = (x_hat, std, gamma)
    return out, cache


def layernorm_backward(dout, cache):
    x_hat, std, gamma = cache
    D = dout.shape[1]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hatT = (dout * gamma).T
    x_hatT = x_hat.T
    dxT = (D * dx_hatT - np.sum(dx_hatT, axis=0) - x_hatT * np.sum(dx_hatT * x_hatT, axis=0)) / (D * std)
    return dxT.T, dgamma, dbeta


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask, out = None, None
    if mode == "train":
        mask = np.random.rand(*x.shape) < p
        out = x * mask / p
    elif mode == "test":
        out = x
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    mode = dropout_param["mode"]
    dx = None
    if mode == "train":
        dx = dout * mask / dropout_param["p"]
    elif mode == "test":
        dx = dout
    return dx


def conv_forward_naive(x, w, b, conv_param):
    out = None
    stride = conv_param.get("stride", 1)
    pad = conv_param.get("pad", 0)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = int((H + 2 * pad - HH) / stride) + 1
    W_out = int((W + 2 * pad - WW) / stride) + 1
    # zero padding by hand
    x_padded = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            x_padded[n, c, pad:pad + H, pad:pad + W] = x[n, c]
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for h in range(H_out):
                for ww in range(W_out):
                    top, left = h * stride, ww * stride
                    receptive_field = x_padded[n, :, top:top + HH, left:left + WW]
                    out[n, f, h, ww] = (receptive_field * w[f]).sum() + b[f]
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    dx, dw, db = None, None, None
    x, w, b, conv_param = cache
    stride = conv_param.get("stride", 1)
    pad = conv_param.get("pad", 0)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_padded = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    x_padded[:, :, pad:pad + H, pad:pad + W] = x
    dx_padded = np.zeros_like(x_padded)
    dw = np.zeros(w.shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            db[f] = db[f] + np.sum(dout[n, f])
            for h in range(H_out):
                for ww in range(W_out):
                    top, left = h * stride, ww * stride
                    g = dout[n, f, h, ww]
                    dw[f] = dw[f] + x_padded[n, :, top:top + HH, left:left + WW] * g
                    dx_padded[n, :, top:top + HH, left:left + WW] = dx_padded[n, :, top:top + HH, left:left + WW] + w[f] * g
    if pad > 0:
        dx = dx_padded[:, :, pad:-pad, pad:-pad]
    else:
        dx = dx_padded
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    N, C, H, W = x.shape
    pool_height = pool_param.get("pool_height", 2)
    pool_width = pool_param.get("pool_width", 2)
    stride = pool_param.get("stride", 2)
    H_out = int(1 + (H - pool_height) / stride)
    W_out = int(1 + (W - pool_width) / stride)
    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for h in range(H_out):
            for ww in range(W_out):
                region = x[n, :, h * stride:h * stride + pool_height, ww * stride:ww * stride + pool_width]
                out[n, :, h, ww] = np.max(region.reshape(C, -1), axis=1)
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    N, C, H, W = x.shape
    pool_height = pool_param.get("pool_height", 2)
    pool_width = pool_param.get("pool_width", 2)
    stride = pool_param.get("stride", 2)
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for h in range(H_out):
                for ww in range(W_out):
                    region = x[n, c, h * stride:h * stride + pool_height, ww * stride:ww * stride + pool_width]
                    k = np.argmax(region)
                    r, q = k // pool_width, k % pool_width
                    dx[n, c, h * stride + r, ww * stride + q] += dout[n, c, h, ww]
    return dx


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Spatial batchnorm one channel at a time."""
    out, cache = None, None
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, C, H, W = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(C, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(C, dtype=x.dtype))
    out = np.zeros_like(x)
    if mode == "train":
        x_hat = np.zeros_like(x)
        std = np.zeros(C)
        new_mean, new_var = np.zeros(C), np.zeros(C)
        for c in range(C):
            values = x[:, c, :, :]
            new_mean[c] = values.mean()
            new_var[c] = values.var()
            std[c] = np.sqrt(new_var[c] + eps)
            x_hat[:, c] = (values - new_mean[c]) / std[c]
            out[:, c] = gamma[c] * x_hat[:, c] + beta[c]
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * new_mean
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * new_var
        cache = (x_hat, std, gamma)
    else:
        for c in range(C):
            out[:, c] = gamma[c] * (x[:, c] - running_mean[c]) / np.sqrt(running_var[c] + eps) + beta[c]
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    x_hat, std, gamma = cache
    N, C, H, W = dout.shape
    M = N * H * W
    dx = np.zeros_like(dout)
    dgamma, dbeta = np.zeros(C), np.zeros(C)
    for c in range(C):
        g = dout[:, c]
        xh = x_hat[:, c]
        dbeta[c] = g.sum()
        dgamma[c] = (g * xh).sum()
        dxh = g * gamma[c]
        dx[:, c] = (M * dxh - dxh.sum() - xh * (dxh * xh).sum()) / (M * std[c])
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    out, cache = None, None
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    x_group = np.reshape(x, (N * G, -1)).T      # a layernorm over each group: columns are groups
    mean = np.mean(x_group, axis=0)
    var = np.var(x_group, axis=0)
    std = np.sqrt(var + eps)
    x_hat_group = (x_group - mean) / std
    x_hat = np.reshape(x_hat_group.T, (N, C, H, W))
    out = gamma * x_hat + beta
    cache = (x_hat_group, std, gamma, x_hat, G)
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    dx, dgamma, dbeta = None, None, None
    x_hat_group, std, gamma, x_hat, G = cache
    N, C, H, W = dout.shape
    dbeta = np.sum(dout, axis=(0, 2, 3), keepdims=True)
    dgamma = np.sum(dout * x_hat, axis=(0, 2, 3), keepdims=True)
    dx_hat_group = np.reshape(dout * gamma, (N * G, -1)).T
    M = dx_hat_group.shape[0]
    dx_group = (M * dx_hat_group - np.sum(dx_hat_group, axis=0) - x_hat_group * np.sum(dx_hat_group * x_hat_group, axis=0)) / (M * std)
    dx = np.reshape(dx_group.T, (N, C, H, W))
    return dx, dgamma, dbeta


# ---- assignment 3: rnn_layers.py ----


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    z = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    next_h = np.tanh(z)
    cache = {"x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh, "z": z}
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    dz = dnext_h * (1.0 - np.tanh(cache["z"]) ** 2)
    dx = np.dot(dz, cache["Wx"].T)
    dprev_h = np.dot(dz, cache["Wh"].T)
    dWx = np.dot(cache["x"].T, dz)
    dWh = np.dot(cache["prev_h"].T, dz)
    db = dz.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    hs, caches = [], []
    h_t = h0
    for t in range(x.shape[1]):
        h_t, c = rnn_step_forward(x[:, t], h_t, Wx, Wh, b)
        hs.append(h_t)
        caches.append(c)
    h = np.stack(hs, axis=1)
    return h, {"steps": caches}


def rnn_backward(dh, cache):
    steps = cache["steps"]
    dxs = []
    dWx = np.zeros_like(steps[0]["Wx"])
    dWh = np.zeros_like(steps[0]["Wh"])
    db = np.zeros(dWx.shape[1])
    carried = np.zeros_like(dh[:, 0])
    for t in range(dh.shape[1] - 1, -1, -1):
        dx_t, carried, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + carried, steps[t])
        dxs.insert(0, dx_t)
        dWx = dWx + dWx_t
        dWh = dWh + dWh_t
        db = db + db_t
    dx = np.stack(dxs, axis=1)
    dh0 = carried
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x, W):
    out = W[x, :]
    return out, {"x": x, "V": W.shape[0]}


def word_embedding_backward(dout, cache):
    x = cache["x"]
    dW = np.zeros((cache["V"], dout.shape[2]))
    N, T = x.shape
    for n in range(N):
        for t in range(T):
            dW[x[n, t]] += dout[n, t]
    return dW


def temporal_affine_forward(x, w, b):
    out = np.einsum("ntd,dm->ntm", x, w) + b
    return out, (x, w)


def temporal_affine_backward(dout, cache):
    x, w = cache
    dx = np.einsum("ntm,dm->ntd", dout, w)
    dw = np.einsum("ntd,ntm->dm", x, dout)
    db = dout.sum(axis=0).sum(axis=0)
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    shifted = x - x.max(axis=2, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    n_idx, t_idx = np.meshgrid(np.arange(N), np.arange(T), indexing="ij")
    picked = log_probs[n_idx, t_idx, y]
    loss = -np.sum(picked[mask]) / N
    dx = np.exp(log_probs)
    dx[n_idx, t_idx, y] -= 1.0
    dx = dx * mask[:, :, np.newaxis] / N
    return loss, dx


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    a_i, a_f, a_o, a_g = np.split(a, 4, axis=1)
    i, f, o, g = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o), np.tanh(a_g)
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = {"x": x, "prev_h": prev_h, "prev_c": prev_c, "Wx": Wx, "Wh": Wh,
             "i": i, "f": f, "o": o, "g": g, "next_c": next_c}
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    i, f, o, g = cache["i"], cache["f"], cache["o"], cache["g"]
    tc = np.tanh(cache["next_c"])
    dc_total = dnext_c + dnext_h * o * (1 - tc * tc)
    d_ai = dc_total * g * i * (1 - i)
    d_af = dc_total * cache["prev_c"] * f * (1 - f)
    d_ao = dnext_h * tc * o * (1 - o)
    d_ag = dc_total * i * (1 - g * g)
    da = np.concatenate([d_ai, d_af, d_ao, d_ag], axis=1)
    dx = da @ cache["Wx"].T
    dprev_h = da @ cache["Wh"].T
    dprev_c = f * dc_total
    dWx = cache["x"].T @ da
    dWh = cache["prev_h"].T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    hs, caches = [], []
    h_t, c_t = h0, np.zeros_like(h0)
    for t in range(x.shape[1]):
        h_t, c_t, c = lstm_step_forward(x[:, t], h_t, c_t, Wx, Wh, b)
        hs.append(h_t)
        caches.append(c)
    return np.stack(hs, axis=1), caches


def lstm_backward(dh, cache):
    dxs = []
    dWx = np.zeros_like(cache[0]["Wx"])
    dWh = np.zeros_like(cache[0]["Wh"])
    db = np.zeros(dWx.shape[1])
    dh_carry = np.zeros_like(dh[:, 0])
    dc_carry = np.zeros_like(dh[:, 0])
    for t in reversed(range(dh.shape[1])):
        grads = lstm_step_backward(dh[:, t] + dh_carry, dc_carry, cache[t])
        dx_t, dh_carry, dc_carry, dWx_t, dWh_t, db_t = grads
        dxs.append(dx_t)
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dx = np.stack(dxs[::-1], axis=1)
    return dx, dh_carry, dWx, dWh, db
