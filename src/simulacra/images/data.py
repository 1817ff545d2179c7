"""Image datasets: one grayscale or RGB array in [0, 1] with optional class labels.

Sources (`load_images`): `digits` (scikit-learn's bundled 8x8 handwritten digits, resized to
20x20 and centred in 28x28 by default, like MNIST), MNIST IDX files (raw or `.gz`, labels found
beside them), a folder of PNG/JPEG files (the class is the sub-folder's name), `.npz`/`.npy`
arrays, CIFAR-10 binary batches (`.bin`), a folder written by `simulacra images sample` (read
from its `samples.npz`) and `sample-colour` (tiles of scikit-learn's two bundled photographs).
Nothing is downloaded.

Every size a file decides is bounded before it is allocated: the pixels of all images together
(MAX_PIXELS), the side of one image (MAX_IMAGE_SIDE), the bytes read from an array file
(MAX_ARRAY_BYTES) and the number of classes (MAX_CLASSES). A file past a bound, or with NaN or
infinite pixels, is a DataError naming the file, the size and the limit.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError, ParameterError
from ..io import atomic_path
from .idx import MAX_IDX_BYTES, is_idx, labels_path_for, read_idx

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff")
SAMPLES_FILE = "samples.npz"
COLOUR_SET = "sample-colour"  # the bundled colour tiles (colour.py)

MAX_PIXELS = MAX_IDX_BYTES  # all images of a set together: 250 million (1 GB as float32)
MAX_IMAGE_SIDE = 4_096  # height or width of one image, as stored and after resizing
MAX_ARRAY_BYTES = 1_000_000_000  # the arrays read from one .npy/.npz file, as stored
MAX_CLASSES = 1_000  # distinct labels of one image set


@dataclass(frozen=True)
class ImageSet:
    """Images as float32 in [0, 1], labels indexing `classes`: grayscale `(n, height, width)`
    or colour `(n, height, width, 3)` (a single-channel `(n, h, w, 1)` becomes grayscale)."""

    images: np.ndarray
    labels: np.ndarray | None = None
    classes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.images.ndim == 4 and self.images.shape[3] == 1:
            object.__setattr__(self, "images", self.images[..., 0])
        colour = self.images.ndim == 4 and self.images.shape[3] == 3
        if not (self.images.ndim == 3 or colour) or 0 in self.images.shape:
            raise DataError(
                "images must be a non-empty (n, height, width) or (n, height, width, 3) array, "
                f"not {self.images.shape}"
            )
        if self.labels is not None and len(self.labels) != len(self.images):
            raise DataError(f"{len(self.labels)} labels for {len(self.images)} images")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of every image."""
        return int(self.images.shape[1]), int(self.images.shape[2])

    @property
    def channels(self) -> int:
        """1 for grayscale, 3 for RGB."""
        return 1 if self.images.ndim == 3 else int(self.images.shape[3])

    def channels_first(self) -> np.ndarray:
        """The images as `(n, channels, h, w)` (what the networks take)."""
        if self.images.ndim == 3:
            return self.images[:, None]
        return self.images.transpose(0, 3, 1, 2)

    def resized(self, size: int | None) -> ImageSet:
        """The same set with square `size` x `size` images (bilinear); unchanged when None."""
        if size is None or self.shape == (size, size):
            return self
        return ImageSet(resize(self.images, size), self.labels, self.classes)

    def subset(self, index: np.ndarray) -> ImageSet:
        labels = None if self.labels is None else self.labels[index]
        return ImageSet(self.images[index], labels, self.classes)


def resize(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of `(n, h, w)` or `(n, h, w, c)` images to `size` x `size`, antialiased
    when shrinking."""
    import torch
    from torch.nn import functional

    if size < 4:
        raise ParameterError(f"size must be at least 4 pixels, not {size}")
    if size > MAX_IMAGE_SIDE:
        raise ParameterError(f"size must be at most {MAX_IMAGE_SIDE:,} pixels, not {size:,}")
    if len(images) * size * size > MAX_PIXELS:
        raise ParameterError(
            f"{len(images):,} images of {size} x {size} are more than the limit of "
            f"{MAX_PIXELS:,} pixels; pass a smaller size"
        )
    first = images[:, None] if images.ndim == 3 else images.transpose(0, 3, 1, 2)
    tensor = torch.from_numpy(np.ascontiguousarray(first, dtype=np.float32))
    shrink = size < images.shape[1] or size < images.shape[2]
    out = functional.interpolate(
        tensor, size=(size, size), mode="bilinear", align_corners=False, antialias=shrink
    ).clamp(0.0, 1.0)
    result = out[:, 0] if images.ndim == 3 else out.permute(0, 2, 3, 1)
    return np.ascontiguousarray(result.numpy())


def load_images(source: str | Path, *, size: int | None = None) -> ImageSet:
    """Load an image set from `digits`, an IDX file, a folder, or a `.npz`/`.npy` file.

    `size` resizes every image to `size` x `size`; `digits` defaults to 28 (MNIST's size).
    """
    text = str(source)
    if text == "digits":
        return load_digits(size=28 if size is None else size)
    if text == COLOUR_SET:
        from .colour import load_sample_colour

        return load_sample_colour(size=32 if size is None else size)
    path = Path(source)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder (or use the bundled 'digits')")
    if path.is_dir():
        if (path / SAMPLES_FILE).exists():
            return load_arrays(path / SAMPLES_FILE).resized(size)
        return load_folder(path, size=size)
    if path.suffix.lower() in (".npz", ".npy"):
        return load_arrays(path).resized(size)
    if path.suffix.lower() == ".bin":
        from .cifar import load_cifar_batch

        return load_cifar_batch(path).resized(size)
    if is_idx(path):
        return load_idx(path).resized(size)
    raise DataError(
        f"{path}: unknown image source (use 'digits', '{COLOUR_SET}', an IDX file, a CIFAR-10 "
        ".bin batch, a folder of images, .npz or .npy)"
    )


def load_digits(*, size: int = 28, margin: bool = True) -> ImageSet:
    """scikit-learn's 1,797 bundled 8x8 digits (16 grey levels) scaled to [0, 1], resized.

    With `margin` (and `size` above 8) each digit is resized to 20/28 of `size` and centred in
    a black frame, as MNIST centres its digits in a 20x20 box inside 28x28 pixels.
    """
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = (bunch.images / 16.0).astype(np.float32)
    labels = bunch.target.astype(np.int64)
    classes = [str(d) for d in range(10)]
    if not margin or size <= 8:
        return ImageSet(images, labels, classes).resized(size)
    inner = max(8, round(size * 20 / 28))
    start = (size - inner) // 2
    framed = np.zeros((len(images), size, size), dtype=np.float32)
    framed[:, start : start + inner, start : start + inner] = resize(images, inner)
    return ImageSet(framed, labels, classes)


def load_idx(images_path: str | Path, labels_path: str | Path | None = None) -> ImageSet:
    """An MNIST-format image file (idx3), with labels from `labels_path` or the file beside it."""
    raw = read_idx(images_path)
    if raw.ndim != 3:
        raise DataError(
            f"{images_path}: expected a 3-d idx3 image file, found {raw.ndim} dimensions"
        )
    _check_shape(raw.shape, images_path)
    found = labels_path if labels_path is not None else labels_path_for(images_path)
    if found is None:
        return ImageSet(raw.astype(np.float32) / 255.0)
    labels = read_idx(found)
    if labels.ndim != 1 or len(labels) != len(raw):
        raise DataError(f"{found}: {labels.shape} labels do not match {len(raw)} images")
    return _with_class_names(raw.astype(np.float32) / 255.0, labels.astype(np.int64), found)


def load_folder(folder: str | Path, *, size: int | None = None) -> ImageSet:
    """Every PNG/JPEG under `folder`; sub-folder names become the classes. The set is RGB when
    any image is in colour (grayscale ones then get three equal channels), else grayscale.

    Images directly in `folder` have no class; mixing them with class folders is an error.
    Without `size`, all images must have the same size. Each image's size is read from its
    header and checked against MAX_IMAGE_SIDE and MAX_PIXELS before its pixels are decoded.
    """
    root = Path(folder)
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise DataError(f"{root}: no PNG/JPEG images found")
    names = [
        p.relative_to(root).parts[0] if len(p.relative_to(root).parts) > 1 else "" for p in files
    ]
    if "" in names and len(set(names)) > 1:
        raise DataError(f"{root}: images both at the top level and in class sub-folders")
    if size is not None and len(files) * size * size > MAX_PIXELS:
        raise DataError(
            f"{root}: {len(files):,} images of {size} x {size} are more than the limit of "
            f"{MAX_PIXELS:,} pixels"
        )
    arrays: list[np.ndarray] = []
    pixels = 0
    for path in files:
        arrays.append(_read_image(path, size))
        pixels += arrays[-1].size
        if pixels > MAX_PIXELS:
            raise DataError(
                f"{root}: the images hold more than the limit of {MAX_PIXELS:,} pixels "
                f"(reached at {path.name})"
            )
        if arrays[-1].shape[:2] != arrays[0].shape[:2]:
            raise DataError(
                f"{path}: size {arrays[-1].shape} differs from {arrays[0].shape}; pass a size"
            )
    if any(a.ndim == 3 for a in arrays):
        arrays = [a if a.ndim == 3 else np.repeat(a[..., None], 3, axis=2) for a in arrays]
    images = np.stack(arrays)
    if names[0] == "":
        return ImageSet(images)
    classes = sorted(set(names))
    if len(classes) > MAX_CLASSES:
        raise DataError(
            f"{root}: {len(classes):,} class sub-folders, more than the limit of {MAX_CLASSES:,}"
        )
    labels = np.array([classes.index(n) for n in names], dtype=np.int64)
    return ImageSet(images, labels, classes)


def _read_image(path: Path, size: int | None) -> np.ndarray:
    """One image file in [0, 1], `(h, w)` when grayscale (modes 1, L, LA, I, I;16, F) else RGB
    `(h, w, 3)`, resized to `size` x `size` when given. 16-bit and float greys keep their
    depth (`_deep_grey`): 8-bit conversion would clip them to nearly white."""
    from PIL import Image, UnidentifiedImageError

    try:
        # PIL's own decompression-bomb check warns below twice its limit: make it an error too
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if max(width, height) > MAX_IMAGE_SIDE:
                    raise DataError(
                        f"{path}: image of {width} x {height} pixels, more than the limit of "
                        f"{MAX_IMAGE_SIDE:,} on a side"
                    )
                if image.mode in _DEEP_MODES:
                    return _deep_grey(image, size)
                grey = image.mode in _GREY_MODES
                converted = image.convert("L" if grey else "RGB")
                if size is not None:
                    converted = converted.resize((size, size), Image.Resampling.BILINEAR)
                return np.asarray(converted, dtype=np.float32) / 255.0
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DataError(
            f"{path}: refused as a possible decompression bomb: more than the limit of "
            f"{MAX_IMAGE_SIDE:,} pixels on a side ({exc})"
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path}: cannot be read as an image ({exc})") from exc


_GREY_MODES = ("1", "L", "LA", "I", "I;16", "F")
# greys deeper than 8 bits: 16-bit PNG/TIFF (I;16...), 32-bit integers (I), floats (F)
_DEEP_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")


def _deep_grey(image: Any, size: int | None) -> np.ndarray:
    """A grey image deeper than 8 bits in [0, 1]: integers over the 16-bit range (or, past it,
    the 32-bit one), floats as they are when within [0, 1], else over 255 or 65,535."""
    from PIL import Image

    pixels = np.asarray(image, dtype=np.float64)
    top = float(pixels.max()) if pixels.size else 0.0
    if image.mode == "F" and top <= 1.0:
        scale = 1.0
    elif image.mode == "F" and top <= 255.0:
        scale = 255.0
    else:
        scale = 65_535.0 if top <= 65_535 else float(2**32 - 1)
    unit = np.clip(pixels / scale, 0.0, 1.0).astype(np.float32)
    if size is not None:
        resized = Image.fromarray(unit).resize((size, size), Image.Resampling.BILINEAR)
        unit = np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)
    return unit


_IMAGE_KEYS = ("images", "x", "x_train", "X")
_LABEL_KEYS = ("labels", "y", "y_train")


def load_arrays(path: str | Path) -> ImageSet:
    """Images from `.npy` (an array) or `.npz` (`images`/`x`/`x_train`, `labels`/`y`/`y_train`).

    Arrays may be `(n, h, w)`, `(n, h, w, 1)`, `(n, 1, h, w)` or colour `(n, h, w, 3)`; uint8
    or values above 1 are read as 0-255 levels. An `.npz` may carry `classes` (names for the
    label indices). Only those
    arrays are read, each after its header is checked against MAX_ARRAY_BYTES and MAX_PIXELS.
    """
    path = Path(path)
    try:
        arrays = _read_arrays(path)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path}: cannot be read as a numpy array file ({exc})") from exc
    image_key = next((k for k in _IMAGE_KEYS if k in arrays), None)
    if image_key is None:
        raise DataError(f"{path}: no 'images' (or 'x', 'x_train') array inside")
    images = _as_unit_images(arrays[image_key], path)
    label_key = next((k for k in _LABEL_KEYS if k in arrays), None)
    if label_key is None:
        return ImageSet(images)
    labels = np.asarray(arrays[label_key]).reshape(-1)
    if len(labels) != len(images):
        raise DataError(f"{path}: {len(labels):,} labels for {len(images):,} images")
    if "classes" not in arrays:
        return _with_class_names(images, _plain_labels(labels, path), path)
    classes = [str(c) for c in arrays["classes"].reshape(-1).tolist()]
    if len(classes) > MAX_CLASSES:
        raise DataError(f"{path}: {len(classes):,} classes, more than the limit of {MAX_CLASSES:,}")
    index = _plain_labels(labels, path)
    if index.dtype.kind not in "iu" or index.min() < 0 or index.max() >= len(classes):
        raise DataError(
            f"{path}: labels must index the {len(classes)} classes (0 .. {len(classes) - 1})"
        )
    return ImageSet(images, index.astype(np.int64), classes)


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """The image, label and class arrays of an .npy/.npz file (the first of each kind), each
    header checked first: together they hold at most MAX_ARRAY_BYTES."""
    if path.suffix.lower() == ".npy":
        with open(path, "rb") as handle:
            return {"images": _read_array(handle, path, "array", MAX_ARRAY_BYTES)}
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive:
        members = {name.removesuffix(".npy"): name for name in archive.namelist()}
        for keys in (_IMAGE_KEYS, _LABEL_KEYS, ("classes",)):
            key = next((k for k in keys if k in members), None)
            if key is None:
                continue
            left = MAX_ARRAY_BYTES - sum(a.nbytes for a in arrays.values())
            with archive.open(members[key]) as handle:
                arrays[key] = _read_array(handle, path, key, left)  # type: ignore[arg-type]
    return arrays


def _read_array(handle: io.BufferedIOBase, path: Path, key: str, limit: int) -> np.ndarray:
    """One .npy array from `handle`, refused if its header promises more than `limit` bytes."""
    fmt = np.lib.format
    version = fmt.read_magic(handle)
    header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    shape, _, dtype = header(handle)
    count = int(np.prod(shape, dtype=object)) if shape else 1
    if count * dtype.itemsize > limit:
        raise DataError(
            f"{path}: array '{key}' of shape {shape} ({dtype}) takes the file past the limit "
            f"of {MAX_ARRAY_BYTES:,} bytes"
        )
    handle.seek(0)
    return fmt.read_array(handle, allow_pickle=False)


def save_arrays(path: str | Path, images: ImageSet) -> Path:
    """Write an image set as `.npz` (uint8 `images`, `labels`, `classes`); same set, same bytes."""
    arrays: dict[str, np.ndarray] = {"images": to_uint8(images.images)}
    if images.labels is not None:
        arrays["labels"] = images.labels.astype(np.int64)
        arrays["classes"] = np.array(images.classes, dtype=np.str_)
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())
    return Path(path)


def to_uint8(images: np.ndarray) -> np.ndarray:
    """[0, 1] floats to 0-255 levels (rounded)."""
    return np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)


def _as_unit_images(array: np.ndarray, path: Path) -> np.ndarray:
    data = np.asarray(array)
    if data.ndim == 4 and data.shape[-1] == 1:
        data = data[..., 0]
    elif data.ndim == 4 and data.shape[1] == 1:
        data = data[:, 0]
    colour = data.ndim == 4 and data.shape[-1] == 3
    if not (data.ndim == 3 or colour) or data.dtype.kind not in "biuf":
        raise DataError(
            f"{path}: expected numeric images shaped (n, h, w) or (n, h, w, 3), found "
            f"{data.shape} of {data.dtype}"
        )
    _check_shape(data.shape, path)
    values = data.astype(np.float32)
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        raise DataError(f"{path}: NaN or infinite pixel values ({bad:,} of them)")
    if data.dtype == np.uint8 or float(values.max()) > 1.0:
        values = values / 255.0
    if float(values.min()) < 0.0 or float(values.max()) > 1.0:
        raise DataError(f"{path}: pixel values must lie in [0, 1] or [0, 255]")
    return values


def _check_shape(shape: tuple[int, ...], path: str | Path) -> None:
    """At least one image of at least 1 x 1 pixels, each side and the total within bounds."""
    n, height, width = shape[:3]
    if n == 0 or height == 0 or width == 0:
        raise DataError(f"{path}: no images (shape {tuple(shape)})")
    if max(height, width) > MAX_IMAGE_SIDE:
        raise DataError(
            f"{path}: images of {height} x {width} pixels, more than the limit of "
            f"{MAX_IMAGE_SIDE:,} on a side"
        )
    if n * height * width * (shape[3] if len(shape) > 3 else 1) > MAX_PIXELS:
        raise DataError(
            f"{path}: {n:,} images of {height} x {width} are more than the limit of "
            f"{MAX_PIXELS:,} pixels"
        )


def _plain_labels(labels: np.ndarray, path: Path) -> np.ndarray:
    """Labels as integers (whole floats too) or text; NaN and other values are refused."""
    if labels.dtype.kind in "iuUb":
        return labels
    if (
        labels.dtype.kind == "f"
        and np.isfinite(labels).all()
        and (labels == np.round(labels)).all()
    ):
        return labels.astype(np.int64)
    raise DataError(f"{path}: labels must be whole numbers or text, not {labels.dtype} values")


def _with_class_names(images: np.ndarray, labels: np.ndarray, path: str | Path) -> ImageSet:
    values = sorted(set(labels.tolist()))
    if len(values) > MAX_CLASSES:
        raise DataError(
            f"{path}: {len(values):,} distinct labels, more than the limit of {MAX_CLASSES:,} "
            "classes"
        )
    lookup = {v: i for i, v in enumerate(values)}
    index = np.array([lookup[v] for v in labels.tolist()], dtype=np.int64)
    return ImageSet(images, index, [str(v) for v in values])
