"""Hostile image files: headers that promise gigabytes, decompression bombs, NaN pixels, wrong
dtypes and shapes. Each is refused before anything large is allocated, with one DataError naming
the file, what is wrong or too big and the limit; the CLI prints it as one `error:` line.

Every file here is a few kilobytes, written byte by byte (not with simulacra's writers).
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from simulacra.errors import DataError, ParameterError
from simulacra.images import load_images
from simulacra.images.data import resize
from simulacra.images.idx import read_idx

Refused = Callable[[list[str], Path], str]  # the `refused` fixture of conftest.py


def idx_header(*shape: int) -> bytes:
    return bytes([0, 0, 0x08, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def png(path: Path, width: int, height: int, rows: int = 2) -> Path:
    """A grey PNG whose header says width x height, holding only `rows` rows of pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(bytes(width + 1) * rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


def npz(path: Path, **members: bytes) -> Path:
    """An .npz whose members are the given raw .npy bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, data in members.items():
            archive.writestr(f"{key}.npy", data)
    return path


def npy_header(shape: tuple[int, ...], descr: str = "|u1") -> bytes:
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def fit(path: Path, tmp_path: Path, refused: Refused) -> str:
    """`simulacra images fit PATH`: exit 1, one `error:` line, no model file; the line."""
    target = tmp_path / "model.simulacra"
    return refused(["images", "fit", str(path), "--epochs", "1", "-o", str(target)], target)


def test_idx_header_promising_a_huge_image_is_refused_unread(
    tmp_path: Path, refused: Refused
) -> None:
    bomb = tmp_path / "bomb-images-idx3-ubyte.gz"
    # a real bomb would follow with 1 GiB of zeros (1 MB gzipped); the header alone is refused
    bomb.write_bytes(gzip.compress(idx_header(1, 32768, 32768) + bytes(1 << 16)))
    line = fit(bomb, tmp_path, refused)
    assert line == (
        f"error: {bomb}: IDX header promises 1 x 32768 x 32768 = 1,073,741,824 values, "
        "more than the limit of 250,000,000"
    )
    big = tmp_path / "big-images-idx3-ubyte"
    big.write_bytes(idx_header(2**32 - 1, 2**32 - 1, 2**32 - 1))  # would overflow int64
    with pytest.raises(DataError, match="more than the limit of 250,000,000"):
        read_idx(big)
    deep = tmp_path / "deep-images-idx3-ubyte"
    deep.write_bytes(idx_header(*[1] * 200))
    with pytest.raises(DataError, match="200 dimensions, more than the limit of 4"):
        read_idx(deep)


def test_idx_data_is_read_only_as_far_as_the_header_promises(tmp_path: Path) -> None:
    more = tmp_path / "more-images-idx3-ubyte.gz"
    more.write_bytes(gzip.compress(idx_header(1, 2, 2) + bytes(1 << 20)))
    with pytest.raises(DataError, match="promises 4 bytes of data, the file holds more"):
        read_idx(more)
    short = tmp_path / "short-images-idx3-ubyte.gz"
    short.write_bytes(gzip.compress(idx_header(100, 1000, 1000) + bytes(10)))
    with pytest.raises(DataError, match="promises 100,000,000 bytes of data, the file holds 10"):
        read_idx(short)
    broken = tmp_path / "broken-images-idx3-ubyte.gz"
    broken.write_bytes(gzip.compress(idx_header(1, 4, 4) + bytes(16))[:-12])
    with pytest.raises(DataError, match="cannot be decompressed"):
        read_idx(broken)


def test_idx_image_sides_and_empty_sets(tmp_path: Path) -> None:
    wide = tmp_path / "wide-images-idx3-ubyte"
    wide.write_bytes(idx_header(1, 1, 5_000) + bytes(5_000))
    with pytest.raises(DataError, match="1 x 5000 pixels, more than the limit of 4,096 on a side"):
        load_images(wide)
    empty = tmp_path / "empty-images-idx3-ubyte"
    empty.write_bytes(idx_header(0, 28, 28))
    with pytest.raises(
        DataError, match=r"empty-images-idx3-ubyte: no images \(shape \(0, 28, 28\)"
    ):
        load_images(empty)


def test_png_decompression_bomb_is_one_clear_error(tmp_path: Path, refused: Refused) -> None:
    bomb = png(tmp_path / "bomb" / "a.png", 30_000, 30_000)  # 900 million pixels, 300 bytes
    line = fit(bomb.parent, tmp_path, refused)
    assert line.startswith(f"error: {bomb}: refused as a possible decompression bomb")
    # between PIL's two thresholds PIL only warns: refused all the same, with no warning shown
    png(tmp_path / "warn" / "a.png", 10_000, 10_000)
    with pytest.raises(DataError, match="decompression bomb: more than the limit of 4,096"):
        load_images(tmp_path / "warn")
    # below PIL's thresholds our bound on a side refuses it before decoding
    png(tmp_path / "wide" / "a.png", 9_000, 9_000)
    with pytest.raises(DataError, match="9000 x 9000 pixels, more than the limit of 4,096"):
        load_images(tmp_path / "wide")
    png(tmp_path / "tall" / "a.png", 8, 5_000)
    with pytest.raises(DataError, match="8 x 5000 pixels, more than the limit of 4,096 on a side"):
        load_images(tmp_path / "tall")


def test_folder_of_bad_files_mixed_sizes_or_nothing(tmp_path: Path) -> None:
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.png").write_bytes(b"not an image at all")
    with pytest.raises(DataError, match=r"a.png: cannot be read as an image"):
        load_images(tmp_path / "junk")
    (tmp_path / "mixed").mkdir()
    for name, side in (("a", 6), ("b", 8)):
        image = Image.fromarray(np.zeros((side, side), dtype=np.uint8))
        image.save(tmp_path / "mixed" / f"{name}.png")
    with pytest.raises(DataError, match=r"b.png: size \(8, 8\) differs from \(6, 6\)"):
        load_images(tmp_path / "mixed")
    (tmp_path / "none").mkdir()
    (tmp_path / "none" / "notes.txt").write_text("no images here")
    with pytest.raises(DataError, match="no PNG/JPEG images found"):
        load_images(tmp_path / "none")


def test_nan_and_infinite_pixels_are_refused(tmp_path: Path, refused: Refused) -> None:
    images = np.full((3, 4, 4), 0.5, dtype=np.float32)
    images[1, 2, 3] = np.nan
    np.savez(tmp_path / "nan.npz", images=images)
    line = fit(tmp_path / "nan.npz", tmp_path, refused)
    assert line == f"error: {tmp_path / 'nan.npz'}: NaN or infinite pixel values (1 of them)"
    np.save(tmp_path / "inf.npy", np.full((2, 4, 4), np.inf))
    with pytest.raises(DataError, match=r"inf.npy: NaN or infinite pixel values \(32 of them\)"):
        load_images(tmp_path / "inf.npy")


def test_npz_header_promising_too_much_is_refused_unread(tmp_path: Path) -> None:
    path = npz(tmp_path / "bomb.npz", images=npy_header((1000, 2000, 2000)))
    with pytest.raises(
        DataError,
        match=r"bomb.npz: array 'images' of shape \(1000, 2000, 2000\) \(uint8\) takes the "
        "file past the limit of 1,000,000,000 bytes",
    ):
        load_images(path)
    (tmp_path / "bomb.npy").write_bytes(npy_header((1000, 2000, 2000)))
    with pytest.raises(DataError, match="bomb.npy: array 'array' of shape"):
        load_images(tmp_path / "bomb.npy")
    # a huge member that is not read (not an array of images, or a second one) is no harm
    ok = npz(
        tmp_path / "extra.npz",
        images=npy_header((1, 2, 2)) + bytes(4),
        x=npy_header((10**6, 10**6)),
        other=npy_header((10**6, 10**6)),
    )
    assert load_images(ok).images.shape == (1, 2, 2)
    # the limit holds for the arrays of a file together
    labels = npy_header((999_999_998,))  # alone within the limit, with the images past it
    both = npz(tmp_path / "both.npz", images=npy_header((1, 2, 2)) + bytes(4), labels=labels)
    with pytest.raises(DataError, match="array 'labels' of shape .* takes the file past"):
        load_images(both)
    short = npz(tmp_path / "short.npz", images=npy_header((10, 100, 100)) + bytes(10))
    with pytest.raises(DataError, match="short.npz: cannot be read as a numpy array file"):
        load_images(short)


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((3, 4, 4), dtype=complex), r"found \(3, 4, 4\) of complex128"),
        (np.array([["a", "b"], ["c", "d"]] * 3).reshape(3, 2, 2), "of <U1"),
        (np.zeros((4, 4)), r"found \(4, 4\) of float64"),
        (np.zeros((2, 3, 4, 4, 4)), r"found \(2, 3, 4, 4, 4\)"),
        (np.zeros((0, 8, 8)), r"no images \(shape \(0, 8, 8\)\)"),
        (np.zeros((3, 0, 8)), r"no images \(shape \(3, 0, 8\)\)"),
        (np.zeros((1, 4_097, 1), dtype=np.uint8), "4097 x 1 pixels, more than the limit of 4,096"),
    ],
)
def test_wrong_dtypes_and_shapes_are_refused(
    tmp_path: Path, array: np.ndarray, message: str
) -> None:
    np.savez(tmp_path / "bad.npz", images=array)
    with pytest.raises(DataError, match=f"bad.npz: .*{message}"):
        load_images(tmp_path / "bad.npz")


def test_bad_labels_are_refused(tmp_path: Path) -> None:
    images = np.zeros((3, 4, 4), dtype=np.uint8)
    cases = {
        "count": ({"labels": np.array([0, 1])}, "2 labels for 3 images"),
        "nan": ({"labels": np.array([0.0, np.nan, 1.0])}, "labels must be whole numbers or text"),
        "index": (
            {"labels": np.array([0, 5, 1]), "classes": np.array(["a", "b"])},
            r"labels must index the 2 classes \(0 .. 1\)",
        ),
    }
    for name, (arrays, message) in cases.items():
        np.savez(tmp_path / f"{name}.npz", images=images, **arrays)
        with pytest.raises(DataError, match=f"{name}.npz: {message}"):
            load_images(tmp_path / f"{name}.npz")
    many = np.zeros((1_001, 1, 1), dtype=np.uint8)
    np.savez(tmp_path / "many.npz", images=many, labels=np.arange(1_001))
    with pytest.raises(DataError, match="1,001 distinct labels, more than the limit of 1,000"):
        load_images(tmp_path / "many.npz")


def test_resizing_is_bounded() -> None:
    images = np.zeros((2, 4, 4), dtype=np.float32)
    with pytest.raises(ParameterError, match="size must be at most 4,096 pixels, not 100,000"):
        resize(images, 100_000)
    with pytest.raises(ParameterError, match="more than the limit of 250,000,000 pixels"):
        resize(np.zeros((20, 4, 4), dtype=np.float32), 4_000)


def test_16_bit_greys_load_at_their_own_depth(tmp_path: Path) -> None:
    # issue 23, item 18: 16-bit PNGs loaded clipped to nearly white (mean 0.999 for 0.497)
    rng = np.random.default_rng(0)
    levels = rng.integers(0, 65_536, (4, 12, 12)).astype(np.uint16)
    for i, image in enumerate(levels):
        Image.fromarray(image).save(tmp_path / f"{i}.png")
    with Image.open(tmp_path / "0.png") as first:
        assert first.mode == "I;16"
    loaded = load_images(tmp_path)
    assert np.allclose(loaded.images, levels / 65_535, atol=1e-6)
    resized = load_images(tmp_path, size=6)
    assert resized.shape == (6, 6) and abs(resized.images.mean() - loaded.images.mean()) < 0.02


def test_a_sample_past_the_pixel_limit_is_refused_before_any_work(
    tmp_path: Path, refused: Refused
) -> None:
    # issue 23, item 26: `images sample -n 1000000000` grew to 3 GB before failing
    from simulacra.images import ImageSynthesizer

    digits = load_images("digits", size=8)
    model = tmp_path / "m.simulacra"
    ImageSynthesizer("vae", epochs=1, verbose=False).fit(digits).save(model)
    target = tmp_path / "out"
    line = refused(["images", "sample", str(model), "-n", "1000000000", "-o", str(target)], target)
    assert "1,000,000,000 images of 8 x 8 are more than the limit of" in line
    assert "(at most 3,906,250 images)" in line
