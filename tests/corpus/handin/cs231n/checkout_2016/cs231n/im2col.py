import numpy as np


def im2col_indices(x, field_height, field_width, padding=1, stride=1):
  """Columns of x (N, C, H, W): one column per receptive field, as loops."""
  N, C, H, W = x.shape
  x_padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), mode='constant')
  out_height = (H + 2 * padding - field_height) // stride + 1
  out_width = (W + 2 * padding - field_width) // stride + 1
  cols = np.zeros((C * field_height * field_width, N * out_height * out_width), dtype=x.dtype)
  col = 0
  for i in range(out_height):
    for j in range(out_width):
      for n in range(N):
        patch = x_padded[n, :, i * stride:i * stride + field_height, j * stride:j * stride + field_width]
        cols[:, col] = patch.reshape(-1)
        col += 1
  return cols
