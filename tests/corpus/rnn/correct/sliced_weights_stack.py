import numpy as np
import rnn_utils


def rnn_cell_forward(xt, a_prev, parameters):
    z = np.matmul(parameters["Waa"], a_prev) + np.matmul(parameters["Wax"], xt) + parameters["ba"]
    a_next = np.tanh(z)
    yt_pred = rnn_utils.softmax(np.matmul(parameters["Wya"], a_next) + parameters["by"])
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


def rnn_forward(x, a0, parameters):
    states, outputs, caches = [], [], []
    a_t = a0
    for t in range(x.shape[2]):
        a_t, y_t, cache = rnn_cell_forward(x[:, :, t], a_t, parameters)
        states.append(a_t)
        outputs.append(y_t)
        caches.append(cache)
    return np.stack(states, axis=-1), np.stack(outputs, axis=-1), (caches, x)


def _gates(xt, a_prev, parameters):
    n_a = a_prev.shape[0]

    def pre(name):
        W = parameters["W" + name]
        return np.matmul(W[:, :n_a], a_prev) + np.matmul(W[:, n_a:], xt) + parameters["b" + name]

    return rnn_utils.sigmoid(pre("f")), rnn_utils.sigmoid(pre("i")), np.tanh(pre("c")), rnn_utils.sigmoid(pre("o"))


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    ft, it, cct, ot = _gates(xt, a_prev, parameters)
    c_next = np.multiply(ft, c_prev) + np.multiply(it, cct)
    a_next = np.multiply(ot, np.tanh(c_next))
    yt_pred = rnn_utils.softmax(np.matmul(parameters["Wy"], a_next) + parameters["by"])
    return a_next, c_next, yt_pred, (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)


def lstm_forward(x, a0, parameters):
    a_list, c_list, y_list, caches = [], [], [], []
    a_t, c_t = a0, np.zeros(a0.shape)
    for t in range(x.shape[-1]):
        a_t, c_t, y_t, cache = lstm_cell_forward(x[:, :, t], a_t, c_t, parameters)
        a_list.append(a_t)
        c_list.append(c_t)
        y_list.append(y_t)
        caches.append(cache)
    return np.stack(a_list, axis=2), np.stack(y_list, axis=2), np.stack(c_list, axis=2), (caches, x)


def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, parameters = cache
    dtanh = da_next - da_next * a_next * a_next
    return {
        "dxt": np.matmul(parameters["Wax"].T, dtanh),
        "da_prev": np.matmul(parameters["Waa"].T, dtanh),
        "dWax": np.matmul(dtanh, xt.T),
        "dWaa": np.matmul(dtanh, a_prev.T),
        "dba": np.sum(dtanh, 1).reshape(-1, 1),
    }


def rnn_backward(da, caches):
    steps, x = caches
    T_x = x.shape[2]
    dx = np.zeros(x.shape)
    da_prevt = np.zeros(da.shape[:2])
    total = None
    for t in range(T_x)[::-1]:
        g = rnn_cell_backward(da[:, :, t] + da_prevt, steps[t])
        dx[:, :, t] = g["dxt"]
        da_prevt = g["da_prev"]
        if total is None:
            total = {k: g[k].copy() for k in ("dWax", "dWaa", "dba")}
        else:
            for k in total:
                total[k] = total[k] + g[k]
    return {"dx": dx, "da0": da_prevt, **total}


def lstm_cell_backward(da_next, dc_next, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters = cache
    n_a = a_next.shape[0]
    dtanhc = ot * (1 - np.tanh(c_next) ** 2) * da_next
    dot = da_next * np.tanh(c_next) * ot * (1 - ot)
    dcct = (dc_next + dtanhc) * it * (1 - cct ** 2)
    dit = (dc_next + dtanhc) * cct * it * (1 - it)
    dft = (dc_next + dtanhc) * c_prev * ft * (1 - ft)
    grads = {"dc_prev": (dc_next + dtanhc) * ft}
    da_prev = np.zeros(a_prev.shape)
    dxt = np.zeros(xt.shape)
    for name, d in (("f", dft), ("i", dit), ("c", dcct), ("o", dot)):
        W = parameters["W" + name]
        grads["dW" + name] = np.hstack([np.matmul(d, a_prev.T), np.matmul(d, xt.T)])
        grads["db" + name] = np.sum(d, axis=1).reshape(n_a, 1)
        da_prev += np.matmul(W[:, :n_a].T, d)
        dxt += np.matmul(W[:, n_a:].T, d)
    grads["da_prev"] = da_prev
    grads["dxt"] = dxt
    return grads


def lstm_backward(da, caches):
    steps, x = caches
    dx = np.zeros(x.shape)
    da_prevt = np.zeros(da.shape[:2])
    dc_prevt = np.zeros(da.shape[:2])
    sums = {}
    for t in reversed(range(x.shape[2])):
        g = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, steps[t])
        dx[:, :, t] = g["dxt"]
        da_prevt, dc_prevt = g["da_prev"], g["dc_prev"]
        for k in ("dWf", "dWi", "dWc", "dWo", "dbf", "dbi", "dbc", "dbo"):
            sums[k] = sums.get(k, 0) + g[k]
    return {"dx": dx, "da0": da_prevt, **sums}
