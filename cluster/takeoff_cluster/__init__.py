"""Verify and reconstruct Takeoff block histories range by range on a Ray cluster.

The unit of work is the `takeoff` binary: every task runs one `takeoff replay` or `takeoff range` command in a
scratch directory of its own, and its exit status says whether the history is wrong (a result, never retried)
or the machine failed (retried). See `takeoff-cluster --help` and the README's "Verifying on a cluster".
"""
