"""Small shifted datasets shared by several test modules."""

import numpy as np


def sheared_domains(n=400, random_state=0):
    """Two classes; the target is the source's model through a symmetric shear.

    The source is isotropic (every feature has variance 3.25) and the target
    is ``X @ M`` with ``M`` symmetric, so CORAL's map is close to ``M`` and a
    linear classifier trained on the recoloured source works on the target.

    Returns
    -------
    Xs, ys, Xt, yt : ndarrays
    """
    rng = np.random.RandomState(random_state)
    y = rng.randint(0, 2, size=2 * n)
    X = rng.normal(size=(2 * n, 3))
    X[:, 0] += 1.5 * (2 * y - 1)
    X[:, 1:] *= np.sqrt(1 + 1.5**2)
    shear = np.array([[1.0, 2.0, 0.0], [2.0, 5.0, 0.0], [0.0, 0.0, 1.0]])
    return X[:n], y[:n], X[n:] @ shear, y[n:]
