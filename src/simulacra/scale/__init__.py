"""Scale past one machine on Dask: partitioned sampling and generation, fitting from mergeable
per-partition summaries.

- `cluster.py`: connect to a scheduler, or start a `LocalCluster` sized to the machine.
- `dataset.py`: a partitioned Parquet dataset written atomically (one file per partition,
  `_metadata` with the common schema).
- `sampling.py`, `generating.py`: partition p of a run holds chunks [a, b) of the local
  stream, each drawn from its own child seed stream, so the bytes do not depend on the number
  of workers or partitions.
- `summaries.py`, `transformer.py`, `fitting.py`: per-partition summaries (counts, category
  frequencies, quantile sketches, moments, partial sums of normal scores), merged, and the
  TableTransformer and copula built from them alone.

dask is imported inside the functions that use it, so `import simulacra` stays quick.

Scale calls models through their public protocol (`infer_metadata`, `new_transformer`,
`fit_moments`, `fit_batches`, `sample_chunk`); models never import scale:

    from simulacra.scale import fit_dask, sample_dask
    fit_dask(Synthesizer("copula"), dask_frame); sample_dask(model, 10**8, partitions=64)
"""

from .fitting import fit_dask
from .sampling import sample_dask

__all__ = ["fit_dask", "sample_dask"]
