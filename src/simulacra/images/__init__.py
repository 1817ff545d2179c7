"""Synthetic images: load image sets, learn them with a VAE, conv VAE or GAN, sample, measure.

`ImageSynthesizer(name, **params)` builds the image model registered under `name`
(`simulacra.registry.names("images")`: vae, convvae, gan); the classes live in `models.py`.
"""

from .data import ImageSet, load_images
from .model import ImageSynthesizer

__all__ = ["ImageSet", "ImageSynthesizer", "load_images"]
