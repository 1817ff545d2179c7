"""Synthetic images: load image sets, learn them with a VAE, conv VAE or GAN, sample, measure."""

from .data import ImageSet, load_images
from .model import ImageSynthesizer

__all__ = ["ImageSet", "ImageSynthesizer", "load_images"]
