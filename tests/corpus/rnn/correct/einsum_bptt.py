import numpy as np
from rnn_utils import sigmoid, softmax


def rnn_cell_forward(xt, a_prev, parameters):
    stacked_W = np.concatenate([parameters["Waa"], parameters["Wax"]], axis=1)
    stacked_in = np.concatenate([a_prev, xt], axis=0)
    a_next = np.tanh(stacked_W.dot(stacked_in) + parameters["ba"])
    yt_pred = softmax(parameters["Wya"].dot(a_next) + parameters["by"])
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


def rnn_forward(x, a0, parameters):
    T_x = x.shape[2]
    a = np.zeros((a0.shape[0], x.shape[1], T_x))
    caches = []
    prev = a0
    t = 0
    while t < T_x:
        prev, _, cache = rnn_cell_forward(x[:, :, t], prev, parameters)
        a[:, :, t] = prev
        caches.append(cache)
        t += 1
    logits = np.einsum("ya,amt->ymt", parameters["Wya"], a) + parameters["by"][:, :, None]
    return a, softmax(logits), (caches, x)


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    concat = np.concatenate([a_prev, xt], axis=0)
    ft = sigmoid(parameters["Wf"].dot(concat) + parameters["bf"])
    it = sigmoid(parameters["Wi"].dot(concat) + parameters["bi"])
    cct = np.tanh(parameters["Wc"].dot(concat) + parameters["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(parameters["Wo"].dot(concat) + parameters["bo"])
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(parameters["Wy"].dot(a_next) + parameters["by"])
    return a_next, c_next, yt_pred, (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)


def lstm_forward(x, a0, parameters):
    n_a, (n_x, m, T_x) = a0.shape[0], x.shape
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    caches = []
    a_t, c_t = a0, np.zeros((n_a, m))
    for t in range(T_x):
        a_t, c_t, _, cache = lstm_cell_forward(x[:, :, t], a_t, c_t, parameters)
        a[:, :, t] = a_t
        c[:, :, t] = c_t
        caches.append(cache)
    y = softmax(np.einsum("ya,amt->ymt", parameters["Wy"], a) + parameters["by"][:, :, None])
    return a, y, c, (caches, x)


def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, parameters = cache
    dtanh = (1.0 - a_next ** 2) * da_next
    return {"dxt": parameters["Wax"].T.dot(dtanh), "da_prev": parameters["Waa"].T.dot(dtanh),
            "dWax": dtanh.dot(xt.T), "dWaa": dtanh.dot(a_prev.T), "dba": dtanh.sum(axis=1, keepdims=True)}


def rnn_backward(da, caches):
    steps, x = caches
    Waa, Wax = steps[0][3]["Waa"], steps[0][3]["Wax"]
    a = np.stack([s[0] for s in steps], axis=2)
    a_prev = np.stack([s[1] for s in steps], axis=2)
    dz = np.zeros(a.shape)
    back = np.zeros(a.shape[:2])
    for t in reversed(range(a.shape[2])):
        dz[:, :, t] = (da[:, :, t] + back) * (1 - a[:, :, t] ** 2)
        back = Waa.T.dot(dz[:, :, t])
    return {
        "dx": np.einsum("ax,amt->xmt", Wax, dz),
        "da0": back,
        "dWax": np.einsum("amt,xmt->ax", dz, x),
        "dWaa": np.einsum("amt,bmt->ab", dz, a_prev),
        "dba": dz.sum(axis=(1, 2))[:, None],
    }


def lstm_cell_backward(da_next, dc_next, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters = cache
    n_a = a_prev.shape[0]
    dc = dc_next + da_next * ot * (1 - np.tanh(c_next) ** 2)
    dot = da_next * np.tanh(c_next) * ot * (1 - ot)
    dcct = dc * it * (1 - cct ** 2)
    dit = dc * cct * it * (1 - it)
    dft = dc * c_prev * ft * (1 - ft)
    concat = np.concatenate([a_prev, xt], axis=0)
    W = np.concatenate([parameters[k] for k in ("Wf", "Wi", "Wc", "Wo")], axis=0)
    dgates = np.concatenate([dft, dit, dcct, dot], axis=0)
    dconcat = W.T.dot(dgates)
    dW = dgates.dot(concat.T)
    db = dgates.sum(axis=1, keepdims=True)
    out = {"da_prev": dconcat[:n_a], "dxt": dconcat[n_a:], "dc_prev": dc * ft}
    for k, gate in enumerate("fico"):
        out["dW" + gate] = dW[k * n_a:(k + 1) * n_a]
        out["db" + gate] = db[k * n_a:(k + 1) * n_a]
    return out


def lstm_backward(da, caches):
    steps, x = caches
    n_a, m, T_x = da.shape
    params = steps[0][9]
    W = np.concatenate([params[k] for k in ("Wf", "Wi", "Wc", "Wo")], axis=0)
    dgates = np.zeros((4 * n_a, m, T_x))
    concats = np.zeros((n_a + x.shape[0], m, T_x))
    da_next, dc_next = np.zeros((n_a, m)), np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        a_t, c_t, a_p, c_p, f, i, cc, o, xt, _ = steps[t]
        da_t = da[:, :, t] + da_next
        dc = dc_next + da_t * o * (1 - np.tanh(c_t) ** 2)
        g = np.concatenate([dc * c_p * f * (1 - f), dc * cc * i * (1 - i), dc * i * (1 - cc ** 2),
                            da_t * np.tanh(c_t) * o * (1 - o)], axis=0)
        dgates[:, :, t] = g
        concats[:, :, t] = np.concatenate([a_p, xt], axis=0)
        da_next = W.T.dot(g)[:n_a]
        dc_next = dc * f
    dconcat = np.einsum("ga,gmt->amt", W, dgates)
    dW = np.einsum("gmt,cmt->gc", dgates, concats)
    db = dgates.sum(axis=(1, 2)).reshape(-1, 1)
    out = {"dx": dconcat[n_a:], "da0": da_next}
    for k, gate in enumerate("fico"):
        out["dW" + gate] = dW[k * n_a:(k + 1) * n_a]
        out["db" + gate] = db[k * n_a:(k + 1) * n_a]
    return out
