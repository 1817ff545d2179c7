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
"""
