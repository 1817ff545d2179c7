"""One contract over every registered image model: fit, sample, seeds, save/load, labels and bad
input. A model that fails here should not be registered (see `simulacra.registry`)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulacra import DataError, ModelFileError, NotFittedError, ParameterError, registry
from simulacra.images import ImageSet, ImageSynthesizer
from simulacra.model import load_model
from simulacra.modelfile import write_model

NAMES = registry.names("images")
FAST = {"epochs": 2, "threads": 1, "seed": 0, "verbose": False}
BAD = [
    ("epochs", 0),
    ("epochs", 1.5),
    ("batch_size", 0),
    ("learning_rate", -1e-3),
    ("latent_dim", 0),
    ("threads", 0),
    ("conditional", "yes"),
    ("device", 3),
    ("seed", -1),
    ("verbose", "no"),
]


def fast(name: str, **extra: Any) -> ImageSynthesizer:
    return ImageSynthesizer(name, **{**FAST, **extra})


@pytest.fixture(scope="module", params=NAMES)
def fitted(request: pytest.FixtureRequest, tiny_digits: ImageSet) -> ImageSynthesizer:
    """A conditional model of each kind, fitted on 60 digits of 8x8 for two epochs."""
    return fast(request.param, conditional=True).fit(tiny_digits)


def test_names_build_their_registered_class() -> None:
    assert {"vae", "convvae", "gan", "diffusion"} <= set(NAMES)
    for name in NAMES:
        cls = registry.get(name, "images")
        assert cls.name == name and cls.kind == "images"
        assert type(ImageSynthesizer(name)) is cls
        assert type(ImageSynthesizer(model=name, seed=3)) is cls
        assert ImageSynthesizer(model=name, seed=3).seed == 3
    with pytest.raises(ParameterError, match="unknown image model 'nope'"):
        ImageSynthesizer("nope")


@pytest.mark.parametrize("name", NAMES)
def test_defaults_are_values_and_the_space_is_made_of_parameters(name: str) -> None:
    model = ImageSynthesizer(name)
    params = model.get_params()
    for key in ("epochs", "learning_rate", "latent_dim", "device", "seed", "verbose"):
        assert params[key] is not None, key
    assert params["batch_size"] is None and params["threads"] is None  # 128 or fewer; 1 thread
    space = type(model).hyperparameter_space()
    assert space and set(space) <= set(params)
    for key, values in space.items():
        for value in values:  # every value in the space passes the declared constraints
            ImageSynthesizer(name, **{key: value})._check_params()


@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_self_and_samples_are_unit_float_images(
    name: str, tiny_digits: ImageSet
) -> None:
    model = fast(name)
    assert model.fit(tiny_digits) is model
    out = model.sample(13, seed=1)
    assert isinstance(out, ImageSet) and out.labels is None and out.classes == []
    assert out.images.shape == (13, 8, 8) and out.images.dtype == np.float32
    assert out.images.min() >= 0.0 and out.images.max() <= 1.0
    assert out.images.std() > 0.0
    info = model.describe()
    assert (info["kind"], info["model"], info["image_shape"]) == ("images", name, [8, 8])
    assert info["epochs_trained"] == 2 and info["params"] == model.get_params()
    assert all(np.isfinite(v) for v in info["final_losses"].values())
    assert info["parameters"] and all(n > 0 for n in info["parameters"].values())
    assert info["seconds_per_epoch"] > 0 and info["device"] == "cpu"


def test_same_seed_same_images_other_seed_other_images(fitted: ImageSynthesizer) -> None:
    one = fitted.sample(12, seed=5).images
    np.testing.assert_array_equal(one, fitted.sample(12, seed=5).images)
    assert not np.array_equal(one, fitted.sample(12, seed=6).images)


def test_unseeded_calls_draw_new_images(fitted: ImageSynthesizer) -> None:
    first, second = fitted.sample(12).images, fitted.sample(12).images
    assert not np.array_equal(first, second)
    # call 0 of the model's seed belongs to `seed=fitted.seed`, never to an unseeded call
    assert not np.array_equal(first, fitted.sample(12, seed=fitted.seed).images)
    assert not np.array_equal(second, fitted.sample(12, seed=fitted.seed).images)


def test_refit_with_the_same_seed_gives_identical_bytes(
    fitted: ImageSynthesizer, tiny_digits: ImageSet
) -> None:
    again = fast(fitted.name, conditional=True).fit(tiny_digits)
    assert again.history_ == fitted.history_
    assert again.sample(9, seed=2).images.tobytes() == fitted.sample(9, seed=2).images.tobytes()


def test_save_load_gives_the_same_images(fitted: ImageSynthesizer, tmp_path: Path) -> None:
    path = fitted.save(tmp_path / "m.simulacra")
    loaded = ImageSynthesizer.load(path, device="cpu")
    assert type(loaded) is type(fitted)
    expected = {k: list(v) if isinstance(v, tuple) else v for k, v in fitted.get_params().items()}
    assert loaded.get_params() == {**expected, "device": "cpu"}
    assert loaded.history_ == fitted.history_ and loaded.classes_ == fitted.classes_
    for label in (None, "3"):
        mine, theirs = (
            fitted.sample(10, label=label, seed=4),
            loaded.sample(10, label=label, seed=4),
        )
        np.testing.assert_array_equal(theirs.images, mine.images)
        np.testing.assert_array_equal(theirs.labels, mine.labels)
    assert type(load_model(path)) is type(fitted)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["arrays.safetensors", "manifest.json", "state.json"]
        for name in archive.namelist():
            assert archive.read(name)[:1] != b"\x80", name  # no pickle


def test_conditional_models_sample_the_classes_asked_for(fitted: ImageSynthesizer) -> None:
    blocks = fitted.sample(30, seed=0)
    assert blocks.classes == [str(d) for d in range(10)]
    assert blocks.labels is not None and blocks.labels.tolist() == [i // 3 for i in range(30)]
    fours = fitted.sample(7, label="4", seed=0)
    assert fours.labels is not None and fours.labels.tolist() == [4] * 7
    np.testing.assert_array_equal(fitted.sample(7, label=4, seed=0).images, fours.images)
    with pytest.raises(ParameterError, match="label"):
        fitted.sample(3, label="x")


@pytest.mark.parametrize("name", NAMES)
def test_bad_parameters_name_the_parameter(name: str, tiny_digits: ImageSet) -> None:
    for param, value in BAD:
        with pytest.raises(ParameterError, match=param):
            fast(name, **{param: value}).fit(tiny_digits)


@pytest.mark.parametrize("name", NAMES)
def test_misuse_gets_our_errors(name: str, tiny_digits: ImageSet, tmp_path: Path) -> None:
    fresh = fast(name)
    for call in (lambda: fresh.sample(3), lambda: fresh.save(tmp_path / "m"), fresh.describe):
        with pytest.raises(NotFittedError):
            call()
    with pytest.raises(DataError):
        fresh.fit(tiny_digits.images)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="conditional"):
        fast(name, conditional=True).fit(ImageSet(tiny_digits.images))
    fresh.fit(tiny_digits)
    with pytest.raises(ParameterError, match="conditional"):
        fresh.sample(3, label="7")
    for n in (0, -2, 2.5, True):
        with pytest.raises(DataError):
            fresh.sample(n)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="seed"):
        fresh.sample(3, seed=-1)


def test_other_files_are_model_file_errors(tmp_path: Path) -> None:
    table = write_model(
        tmp_path / "t.simulacra", {"kind": "table", "model": "copula", "params": {}}, {}
    )
    with pytest.raises(ModelFileError, match="table model"):
        ImageSynthesizer.load(table)
    (tmp_path / "junk.simulacra").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelFileError, match="corrupt"):
        ImageSynthesizer.load(tmp_path / "junk.simulacra")
