"""The package version, on the ground floor: modules that record it (model files, reports)
import it from here, not from the package face above them."""

__version__ = "0.1.0"
