"""Side-by-side benchmarks of hornbeam against its peers; run with ``python -m bench`` (``make bench``)."""
