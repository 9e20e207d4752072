import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    shifted = np.exp(z - z.max(axis=0, keepdims=True))
    return shifted / shifted.sum(axis=0, keepdims=True)


def rnn_cell_forward(xt, a_prev, parameters):
    p = parameters
    a_next = np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"])
    yt_pred = softmax(p["Wya"] @ a_next + p["by"])
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


def rnn_forward(x, a0, parameters):
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    caches = []
    a_t = a0
    for t in range(T_x):
        a_t, y_t, cache = rnn_cell_forward(x[:, :, t], a_t, parameters)
        a[..., t] = a_t
        y_pred[..., t] = y_t
        caches.append(cache)
    return a, y_pred, (caches, x)


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    p = parameters
    concat = np.vstack([a_prev, xt])
    ft = sigmoid(p["Wf"] @ concat + p["bf"])
    it = sigmoid(p["Wi"] @ concat + p["bi"])
    cct = np.tanh(p["Wc"] @ concat + p["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(p["Wo"] @ concat + p["bo"])
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(p["Wy"] @ a_next + p["by"])
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_forward(x, a0, parameters):
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a = np.zeros((n_a, m, T_x))
    c = np.zeros_like(a)
    y = np.zeros((n_y, m, T_x))
    caches = []
    a_t, c_t = a0, np.zeros_like(a0)
    for t in range(T_x):
        a_t, c_t, y_t, cache = lstm_cell_forward(x[..., t], a_t, c_t, parameters)
        a[..., t], c[..., t], y[..., t] = a_t, c_t, y_t
        caches.append(cache)
    return a, y, c, (caches, x)


def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, parameters = cache
    dtanh = da_next * (1 - np.square(a_next))
    return {
        "dxt": parameters["Wax"].T @ dtanh,
        "da_prev": parameters["Waa"].T @ dtanh,
        "dWax": dtanh @ xt.T,
        "dWaa": dtanh @ a_prev.T,
        "dba": dtanh.sum(axis=1, keepdims=True),
    }


def rnn_backward(da, caches):
    cache_list, x = caches
    n_x, m, T_x = x.shape
    n_a = da.shape[0]
    grads = {"dx": np.zeros((n_x, m, T_x)), "dWax": np.zeros((n_a, n_x)), "dWaa": np.zeros((n_a, n_a)), "dba": np.zeros((n_a, 1))}
    carry = np.zeros((n_a, m))
    for t in range(T_x - 1, -1, -1):
        g = rnn_cell_backward(da[..., t] + carry, cache_list[t])
        grads["dx"][..., t] = g["dxt"]
        grads["dWax"] += g["dWax"]
        grads["dWaa"] += g["dWaa"]
        grads["dba"] += g["dba"]
        carry = g["da_prev"]
    grads["da0"] = carry
    return grads


def lstm_cell_backward(da_next, dc_next, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters = cache
    n_a = a_next.shape[0]
    tanh_c = np.tanh(c_next)
    dc = dc_next + da_next * ot * (1 - tanh_c ** 2)
    dot = da_next * tanh_c * ot * (1 - ot)
    dcct = dc * it * (1 - cct ** 2)
    dit = dc * cct * it * (1 - it)
    dft = dc * c_prev * ft * (1 - ft)
    concat = np.vstack([a_prev, xt])
    grads = {}
    dconcat = np.zeros_like(concat)
    for gate, d in (("f", dft), ("i", dit), ("c", dcct), ("o", dot)):
        grads["dW" + gate] = d @ concat.T
        grads["db" + gate] = d.sum(axis=1, keepdims=True)
        dconcat += parameters["W" + gate].T @ d
    grads["da_prev"] = dconcat[:n_a]
    grads["dxt"] = dconcat[n_a:]
    grads["dc_prev"] = dc * ft
    return grads


def lstm_backward(da, caches):
    cache_list, x = caches
    n_x, m, T_x = x.shape
    n_a = da.shape[0]
    grads = {"dx": np.zeros((n_x, m, T_x))}
    for gate in "fico":
        grads["dW" + gate] = np.zeros((n_a, n_a + n_x))
        grads["db" + gate] = np.zeros((n_a, 1))
    da_carry = np.zeros((n_a, m))
    dc_carry = np.zeros((n_a, m))
    for t in range(T_x - 1, -1, -1):
        g = lstm_cell_backward(da[..., t] + da_carry, dc_carry, cache_list[t])
        grads["dx"][..., t] = g["dxt"]
        for gate in "fico":
            grads["dW" + gate] += g["dW" + gate]
            grads["db" + gate] += g["db" + gate]
        da_carry, dc_carry = g["da_prev"], g["dc_prev"]
    grads["da0"] = da_carry
    return grads
