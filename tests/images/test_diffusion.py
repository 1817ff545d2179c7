"""The image diffusion model: schedule, U-Net, DDIM sampling, guidance, colour (tiny, seconds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from simulacra import ParameterError
from simulacra.images import ImageSet, ImageSynthesizer
from simulacra.images.diffusion import ImageDiffusion, cosine_alpha_bar
from simulacra.images.unet import UNet, timestep_embedding

FAST = {"epochs": 2, "threads": 1, "seed": 0, "verbose": False, "sampling_steps": 5, "width": 8}


def test_cosine_schedule_falls_from_one_to_almost_zero() -> None:
    abar = cosine_alpha_bar(1000)
    assert abar.shape == (1001,) and float(abar[0]) == 1.0
    assert bool((abar[1:] < abar[:-1]).all())
    assert 0.0 < float(abar[-1]) < 1e-3 and float(abar[1]) > 0.999


def test_timestep_embedding_is_sin_cos() -> None:
    emb = timestep_embedding(torch.tensor([0, 5]), 8)
    assert emb.shape == (2, 8)
    torch.testing.assert_close(emb[0], torch.tensor([0.0] * 4 + [1.0] * 4))


def test_unet_keeps_the_shape_and_starts_at_zero() -> None:
    net = UNet(channels=3, n_classes=4, width=8, emb_dim=16)
    x = torch.randn(2, 3, 8, 12)
    with torch.no_grad():
        out = net(x, torch.tensor([1, 500]), torch.tensor([0, 4]))  # 4 is the null class
    assert out.shape == x.shape and float(out.abs().max()) == 0.0
    assert net(x, torch.tensor([1, 2]), None).shape == x.shape


def test_fit_lowers_the_loss_and_keeps_its_parameters(tiny_digits: ImageSet) -> None:
    model = ImageSynthesizer("diffusion", **{**FAST, "epochs": 6}).fit(tiny_digits)
    assert isinstance(model, ImageDiffusion)
    losses = model.history_["loss"]
    assert len(losses) == 6 and losses[-1] < losses[0]
    info = model.describe()
    assert info["params"]["sampling_steps"] == 5 and info["channels"] == 1


def test_guidance_and_steps_change_conditional_samples(tiny_digits: ImageSet) -> None:
    model = ImageSynthesizer("diffusion", conditional=True, **FAST).fit(tiny_digits)
    base = model.sample(10, seed=3).images
    model.guidance = 4.0
    assert not np.array_equal(base, model.sample(10, seed=3).images)
    model.guidance, model.sampling_steps = 2.0, 1
    one_step = model.sample(10, seed=3).images
    assert one_step.shape == (10, 8, 8) and not np.array_equal(base, one_step)


def test_odd_sides_are_refused() -> None:
    odd = ImageSet(np.zeros((4, 9, 9), dtype=np.float32))
    with pytest.raises(ParameterError, match="even"):
        ImageSynthesizer("diffusion", **FAST).fit(odd)


def test_colour_images_in_colour_images_out(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    pixels = rng.random((12, 8, 8, 3)).astype(np.float32)
    data = ImageSet(pixels, np.arange(12) % 2, ["a", "b"])
    model = ImageSynthesizer("diffusion", conditional=True, **FAST).fit(data)
    out = model.sample(4, seed=0)
    assert out.images.shape == (4, 8, 8, 3) and out.channels == 3
    loaded = ImageSynthesizer.load(model.save(tmp_path / "c.simulacra"), device="cpu")
    np.testing.assert_array_equal(loaded.sample(4, seed=0).images, out.images)


def test_guidance_applies_only_inside_its_noise_interval(tiny_digits: ImageSet) -> None:
    model = ImageSynthesizer("diffusion", conditional=True, **FAST).fit(tiny_digits)
    assert isinstance(model, ImageDiffusion)
    low, high = model.guidance_interval
    assert not model._guided_at(1.0 / (1.0 + low**2))  # sigma == low: excluded
    assert model._guided_at(1.0 / (1.0 + high**2))  # sigma == high: included
    assert not model._guided_at(1e-6)  # nearly pure noise
    model.guidance = 1.0
    unguided = model.sample(10, seed=3).images
    model.guidance, model.guidance_interval = 4.0, (100.0, 200.0)  # no step falls inside
    np.testing.assert_array_equal(model.sample(10, seed=3).images, unguided)
    model.guidance_interval = (0.0, 1e9)  # every step guided
    assert not np.array_equal(model.sample(10, seed=3).images, unguided)


@pytest.mark.parametrize("interval", [(1.0, 0.5), (0.1,), (-1.0, 2.0), ("a", 1.0)])
def test_a_bad_guidance_interval_is_refused(tiny_digits: ImageSet, interval: tuple) -> None:
    with pytest.raises(ParameterError, match="guidance_interval"):
        ImageSynthesizer("diffusion", guidance_interval=interval, **FAST).fit(tiny_digits)
