#!/usr/bin/env python
# coding: utf-8

# # GC011: a planar notebook saved as a .py (File > Download as > Python), top-level noise and all

# In[1]:


import numpy as np
import matplotlib.pyplot as plt
from planar_utils import plot_decision_boundary, load_planar_dataset
get_ipython().run_line_magic('matplotlib', 'inline')


# In[2]:


X, Y = load_planar_dataset()
plt.scatter(X[0, :], X[1, :], c=Y, s=40, cmap=plt.cm.Spectral)


# In[3]:


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# In[4]:


def forward_propagation(X, parameters):
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


# In[5]:


forward_propagation_test(forward_propagation)


# In[6]:


def compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = -np.sum(logprobs) / m
    return float(cost)


# In[7]:


def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    return grads


# In[8]:


for n_h in [1, 2, 4, 5]:
    print("hidden units:", n_h)
plot_decision_boundary(lambda x: x.sum(axis=0) > 0, X, Y)
