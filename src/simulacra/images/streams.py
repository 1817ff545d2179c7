"""Which random stream feeds what in the image package.

Training and sampling use the shared streams of `simulacra.seeding`:

    seeding.integer(seed, "torch", WEIGHTS)        network initialisation (PyTorch's generator)
    seeding.integer(seed, "torch", BATCH_ORDER)    the shuffled order of training batches
    seeding.integer(seed, "torch", NOISE)          reparameterisation and GAN noise in training
    seeding.rng(seed, "sample", call, chunk)       the latent codes of one chunk of a `sample`

Datasets, metrics and the feature classifier each draw from `seeding.rng(seed, "images", k)`
(or `seeding.integer` for PyTorch) with their own purpose number k below, so one `seed` passed
to `evaluate_images` never feeds two draws from the same stream.
"""

from __future__ import annotations

# paths of the "torch" stream while fitting an image model
WEIGHTS = 0
BATCH_ORDER = 1
NOISE = 2

# purposes on the "images" stream
CLASSIFIER_SPLIT = 0  # which real images train the feature classifier and which are held out
CLASSIFIER_WEIGHTS = 1  # the classifier's initial weights (PyTorch)
CLASSIFIER_BATCHES = 2  # the classifier's batch order (PyTorch)
MEMORISATION_BASELINE = 3  # the training images whose nearest-neighbour distances are the baseline
FRECHET_BASELINE = 4  # the split of real features for the real-vs-real Frechet baseline
REPORT_GRID = 5  # the 100 real images shown in the HTML report
AUGMENTED_DIGITS = 6  # the benchmark's MNIST-sized set of augmented digits
