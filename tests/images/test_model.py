"""What the image models do beyond the shared contract (test_contract.py): training lowers the
VAE's loss, several GAN generators share the work, model-specific parameters are checked, and
damaged or foreign model files are refused."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from simulacra import seeding
from simulacra._torch import torch_generator
from simulacra.errors import DataError, ModelFileError, ParameterError
from simulacra.images import ImageSet, ImageSynthesizer
from simulacra.images.model import default_batch_size
from simulacra.images.models import ConvImageVAE, ImageGAN, ImageVAE


@pytest.fixture(scope="module")
def small(digits16: ImageSet) -> ImageSet:
    return digits16.subset(np.arange(400))


@pytest.fixture(scope="module")
def vae(small: ImageSet) -> ImageSynthesizer:
    return ImageSynthesizer("vae", epochs=8, threads=1, verbose=False).fit(small)


def test_each_model_has_its_own_defaults() -> None:
    assert (ImageVAE().epochs, ImageVAE().learning_rate) == (50, 1e-3)
    assert (ConvImageVAE().epochs, ConvImageVAE().learning_rate) == (30, 1e-3)
    assert (ImageGAN().epochs, ImageGAN().learning_rate, ImageGAN().n_generators) == (30, 2e-4, 1)
    assert [default_batch_size(n) for n in (100, 1797, 60_000)] == [16, 35, 128]


def test_vae_loss_falls(vae: ImageSynthesizer) -> None:
    loss = vae.history_["loss"]
    assert len(loss) == 8 and vae.describe()["epochs_trained"] == 8
    assert loss[-1] < 0.9 * loss[0]
    assert all(kl >= 0 for kl in vae.history_["kl"])
    assert vae.sample(37, seed=3).images.std() > 0.05  # not a constant picture


def test_gan_generators_share_the_samples(small: ImageSet) -> None:
    gan = ImageSynthesizer("gan", epochs=2, n_generators=2, conditional=True, threads=1,
                           verbose=False).fit(small.subset(np.arange(128)))  # fmt: skip
    assert isinstance(gan, ImageGAN)
    assert set(gan.describe()["parameters"]) == {"generators", "discriminator"}
    assert all(len(v) == 2 and np.isfinite(v).all() for v in gan.history_.values())
    out = gan.sample(20, label="4", seed=0)
    assert out.images.shape == (20, 16, 16)
    assert out.labels is not None and out.labels.tolist() == [small.classes.index("4")] * 20
    # image i comes from generator i mod 2, fed the codes of sample call 0 of seed 0
    codes = torch_generator(seeding.rng(0, "sample", 0, 0), torch.device("cpu"))
    z = torch.randn((20, gan.latent_dim), generator=codes)
    fours = torch.nn.functional.one_hot(torch.full((20,), 4), 10).float()
    with torch.no_grad():
        for j in range(2):
            direct = gan.net_.generators[j](z[j::2], fours[j::2])[:, 0].numpy()
            np.testing.assert_allclose(out.images[j::2], direct, atol=1e-6)


def test_model_specific_parameters(small: ImageSet) -> None:
    with pytest.raises(ParameterError, match="hidden"):
        ImageSynthesizer("vae", hidden=(64, 0)).fit(small)
    with pytest.raises(ParameterError, match="gamma"):
        ImageSynthesizer("convvae", gamma=2.0).fit(small)
    with pytest.raises(ParameterError, match="n_generators"):
        ImageSynthesizer("gan", n_generators=0).fit(small)
    with pytest.raises(ParameterError, match="vae has no parameter 'n_generators'"):
        ImageSynthesizer("vae", n_generators=2)  # only the GAN has generators
    with pytest.raises(ParameterError, match="batch_size must be at least 6"):
        ImageSynthesizer("gan", n_generators=3, batch_size=4).fit(small)
    with pytest.raises(DataError, match="at least 4 images"):
        ImageSynthesizer("gan", n_generators=2).fit(small.subset(np.arange(3)))
    for name in ("convvae", "gan"):
        with pytest.raises(ParameterError, match="divisible by 4"):
            ImageSynthesizer(name, epochs=1, verbose=False).fit(ImageSet(small.images[:, :14, :14]))


def test_damaged_and_newer_files_are_rejected(vae: ImageSynthesizer, tmp_path: Path) -> None:
    path = vae.save(tmp_path / "m.simulacra")
    (tmp_path / "cut.simulacra").write_bytes(path.read_bytes()[:500])
    with pytest.raises(ModelFileError, match="corrupt"):
        ImageSynthesizer.load(tmp_path / "cut.simulacra")
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(parts["manifest.json"])
    state = json.loads(parts["state.json"])
    variants = {
        "newer": ({**manifest, "format_version": 99}, state),
        "table": ({**manifest, "kind": "table"}, state),
        "unknown": ({**manifest, "model": "nope"}, state),
        "no_weights": (manifest, {k: v for k, v in state.items() if k != "weights"}),
        "other_shape": (manifest, {**state, "image_shape": [8, 8]}),
    }
    for name, (head, body) in variants.items():
        with zipfile.ZipFile(tmp_path / f"{name}.simulacra", "w") as archive:
            archive.writestr("manifest.json", json.dumps(head))
            archive.writestr("state.json", json.dumps(body))
            archive.writestr("arrays.safetensors", parts["arrays.safetensors"])
    for name, message in (
        ("newer", "newer"),
        ("table", "table model"),
        ("unknown", "nope"),
        ("no_weights", "incomplete or damaged"),
        ("other_shape", "incomplete or damaged"),
    ):
        with pytest.raises(ModelFileError, match=message):
            ImageSynthesizer.load(tmp_path / f"{name}.simulacra")
