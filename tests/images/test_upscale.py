"""Super-resolution: PSNR/SSIM, the Real-ESRGAN RRDBNet and its weight files, our trained
upscaler against bicubic, and `simulacra images upscale|fit-upscaler` (tiny, seconds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save_file

from simulacra import DataError, ModelFileError, ParameterError
from simulacra.cli import main
from simulacra.images import ImageSet
from simulacra.images.rrdb import RRDBNet, rrdb_from_weights
from simulacra.images.upscale import Upscaler, bicubic, compare_with_bicubic, psnr, ssim


def run(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_psnr_and_ssim_are_best_for_identical_images() -> None:
    rng = np.random.default_rng(0)
    image = rng.random((16, 16, 3))
    noisy = np.clip(image + rng.normal(0, 0.1, image.shape), 0, 1)
    assert psnr(image, image) == float("inf") and ssim(image, image) == pytest.approx(1.0)
    assert 15 < psnr(image, noisy) < 25 and ssim(image, noisy) < 0.95
    assert psnr(image, np.zeros_like(image)) < psnr(image, noisy)


def test_rrdbnet_has_the_published_names_and_loads_both_file_kinds(tmp_path: Path) -> None:
    net = RRDBNet(num_feat=8, num_block=2, num_grow_ch=4)
    keys = set(net.state_dict())
    for key in (
        "conv_first.weight",
        "body.1.rdb3.conv5.bias",
        "conv_body.weight",
        "conv_up1.weight",
        "conv_up2.weight",
        "conv_hr.weight",
        "conv_last.bias",
    ):
        assert key in keys
    assert RRDBNet().conv_first.out_channels == 64 and len(RRDBNet().body) == 23
    x = torch.rand(1, 3, 5, 6)
    with torch.no_grad():
        expected = net(x)
    assert expected.shape == (1, 3, 20, 24)
    save_file(net.state_dict(), str(tmp_path / "w.safetensors"))
    torch.save({"params_ema": net.state_dict()}, tmp_path / "w.pth")
    for name in ("w.safetensors", "w.pth"):
        loaded = rrdb_from_weights(tmp_path / name)
        with torch.no_grad():
            torch.testing.assert_close(loaded(x), expected)
    two = RRDBNet(scale=2, num_feat=8, num_block=1, num_grow_ch=4)
    save_file(two.state_dict(), str(tmp_path / "x2.safetensors"))
    loaded2 = rrdb_from_weights(tmp_path / "x2.safetensors")
    assert loaded2.scale == 2 and loaded2(torch.rand(1, 3, 4, 4)).shape == (1, 3, 8, 8)


def test_wrong_weights_say_what_is_wrong(tmp_path: Path) -> None:
    state = RRDBNet(num_feat=8, num_block=1, num_grow_ch=4).state_dict()
    save_file({"encoder.weight": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(DataError, match="other.safetensors: not Real-ESRGAN"):
        rrdb_from_weights(tmp_path / "other.safetensors")
    save_file(
        {**state, "conv_hr.weight": torch.zeros(8, 8, 1, 1)}, str(tmp_path / "bad.safetensors")
    )
    with pytest.raises(DataError, match="mis-shaped: conv_hr.weight"):
        rrdb_from_weights(tmp_path / "bad.safetensors")
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(DataError, match="junk.pth: cannot be read"):
        rrdb_from_weights(tmp_path / "junk.pth")


def test_trained_upscaler_beats_bicubic_on_held_out_digits(
    digits16: ImageSet, tmp_path: Path
) -> None:
    train, test = digits16.subset(np.arange(0, 600)), digits16.subset(np.arange(1600, 1700))
    model = Upscaler(scale=2, steps=80, features=16, blocks=2, threads=1, verbose=False)
    scores = compare_with_bicubic(model.fit(train), test)
    assert scores["psnr_model"] > scores["psnr_bicubic"] + 1.0
    assert scores["ssim_model"] > scores["ssim_bicubic"]
    info = model.fit_info_
    assert info["validation_images"] == 60 and info["images"] == 540
    assert info["best_step"] > 0 and info["validation_psnr"] > info["validation_psnr_bicubic"]
    loaded = Upscaler.load(model.save(tmp_path / "up.simulacra"))
    low = bicubic(test.images[:3], 0.5)
    np.testing.assert_array_equal(loaded.upscale(low), model.upscale(low))
    assert loaded.upscale(low).shape == (3, 16, 16)
    with pytest.raises(ModelFileError, match="not an upscaler"):
        from simulacra.images import ImageSynthesizer

        ImageSynthesizer("vae", epochs=1, verbose=False).fit(test).save(tmp_path / "v.simulacra")
        Upscaler.load(tmp_path / "v.simulacra")


def test_cli_upscales_grey_and_rgb_pngs(tmp_path: Path, digits16: ImageSet) -> None:
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(np.zeros((5, 7), np.uint8), "L").save(src / "grey.png")
    Image.fromarray(np.full((6, 4, 3), 200, np.uint8), "RGB").save(src / "rgb.png")
    assert run(["images", "upscale", str(src), "-o", str(tmp_path / "out"), "--scale", "4"]) == 0
    with (
        Image.open(tmp_path / "out" / "grey.png") as grey,
        Image.open(tmp_path / "out" / "rgb.png") as rgb,
    ):
        assert (grey.mode, grey.size, rgb.mode, rgb.size) == ("L", (28, 20), "RGB", (16, 24))
    assert run(["images", "upscale", str(src), "-o", str(src)]) != 0  # never over its inputs
    digits16.subset(np.arange(40)).images.astype(np.float32)
    np.savez(tmp_path / "d.npz", images=digits16.images[:40])
    model = tmp_path / "up.simulacra"
    args = [
        "images",
        "fit-upscaler",
        str(tmp_path / "d.npz"),
        "-o",
        str(model),
        "--scale",
        "2",
        "--steps",
        "3",
    ]
    assert run(args) == 0 and model.exists()
    out = tmp_path / "out2"
    assert (
        run(["images", "upscale", str(src), "-o", str(out), "--scale", "2", "--model", str(model)])
        == 0
    )
    with Image.open(out / "rgb.png") as rgb:
        assert (rgb.mode, rgb.size) == ("RGB", (8, 12))


def test_the_kept_weights_are_never_worse_than_bicubic_on_validation(digits16: ImageSet) -> None:
    """A learning rate far too high wrecks training; the check keeps bicubic (step 0) then."""
    train = digits16.subset(np.arange(0, 100))
    model = Upscaler(scale=2, steps=6, checks=3, features=8, blocks=1, learning_rate=0.9,
                     threads=1, verbose=False).fit(train)  # fmt: skip
    info = model.fit_info_
    assert info["validation_psnr"] >= info["validation_psnr_bicubic"]
    if info["best_step"] == 0:
        low = bicubic(train.images[:4], 0.5)
        np.testing.assert_allclose(model.upscale(low), bicubic(low, 2), atol=1e-5)
    with pytest.raises(ParameterError, match="validation"):
        Upscaler(validation=1.0, verbose=False).fit(train)


def test_upscale_takes_the_models_scale_and_only_the_samples_of_a_sample_folder(
    tmp_path: Path, digits16: ImageSet
) -> None:
    # issue 23, item 9: --model up.simulacra failed "a x2 upscaler, not x4" unless --scale 2,
    # and a sample folder's grid.png and loss_curve.png were enlarged too
    from simulacra.images.sample import write_samples

    np.savez(tmp_path / "d.npz", images=digits16.images[:40])
    model = tmp_path / "up.simulacra"
    fit = ["images", "fit-upscaler", str(tmp_path / "d.npz"), "-o", str(model), "--scale", "2"]
    assert run([*fit, "--steps", "2"]) == 0
    samples = tmp_path / "samples"
    write_samples(digits16.subset(np.arange(3)), samples, history={"loss": [3.0, 2.0]})
    assert (samples / "grid.png").exists() and (samples / "loss_curve.png").exists()
    out = tmp_path / "big"
    args = ["images", "upscale", str(samples), "-o", str(out), "--model", str(model)]
    assert run(args) == 0
    assert sorted(p.name for p in out.iterdir()) == [f"synthetic_image_{i}.png" for i in range(3)]
    with Image.open(out / "synthetic_image_0.png") as big:
        assert big.size == (32, 32)  # x2, the model's own
    assert run([*args, "--scale", "4"]) == 1  # a scale given must be the model's
    # a folder that is not a sample folder keeps every PNG, whatever its name
    (tmp_path / "mine").mkdir()
    Image.fromarray(np.zeros((4, 4), np.uint8), "L").save(tmp_path / "mine" / "grid.png")
    assert run(["images", "upscale", str(tmp_path / "mine"), "-o", str(tmp_path / "x")]) == 0
    with Image.open(tmp_path / "x" / "grid.png") as grid:
        assert grid.size == (16, 16)  # Lanczos x4 by default
