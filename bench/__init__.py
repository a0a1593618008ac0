"""pgchurn's benchmark suite: `make bench` or `python -m bench.run` (see bench/README.md)."""
