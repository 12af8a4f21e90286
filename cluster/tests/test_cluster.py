"""takeoff-cluster against a real Ray cluster started on this machine, a real archive and the real binary.

Needs TAKEOFF_BINARY (the `takeoff` binary to test). Nothing is skipped: if the binary is missing or Ray cannot
start, every test fails with the reason.
"""

import hashlib
import json
import os
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import unittest

import lmdb

BLOCKS = 12
BLOCK_SIZE = 300
ACCOUNTS = 2000
WORKLOAD = ["--workload", "uniform", "--accounts", str(ACCOUNTS), "--block-size", str(BLOCK_SIZE), "--unsigned"]


def takeoff(*arguments, check=True):
    result = subprocess.run([os.environ["TAKEOFF_BINARY"], *arguments], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"takeoff {' '.join(arguments)} exited {result.returncode}: {result.stderr}")
    return result


def last_json(text):
    return json.loads([line for line in text.strip().splitlines() if line.startswith("{")][-1])


def tree_digest(path):
    """A digest of every file's name, mode and contents under `path`: proof that nothing was written there."""
    digest = hashlib.sha256()
    for root, directories, files in sorted(os.walk(path)):
        directories.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            digest.update(full.encode())
            with open(full, "rb") as file:
                digest.update(file.read())
    return digest.hexdigest()


def make_read_only(path):
    for root, directories, files in os.walk(path):
        for name in files + directories:
            full = os.path.join(root, name)
            os.chmod(full, os.stat(full).st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    os.chmod(path, os.stat(path).st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def make_writable(path):
    for root, directories, files in os.walk(path):
        os.chmod(root, os.stat(root).st_mode | stat.S_IWUSR)
        for name in files:
            full = os.path.join(root, name)
            os.chmod(full, os.stat(full).st_mode | stat.S_IWUSR)


def forge(root):
    """An archive whose blocks 7...12 were executed over a tampered state: every record well formed, the hash
    chain whole, but re-executing them from the honest state of block 6 gives other results."""
    db, archive = os.path.join(root, "db"), os.path.join(root, "archive")
    takeoff("run", "--db", db, "--archive", archive, "--blocks", str(BLOCKS // 2), *WORKLOAD)
    environment = lmdb.open(db, max_dbs=8, subdir=True)
    state = environment.open_db(b"state")
    with environment.begin(write=True, db=state) as transaction:
        tampered = 0
        for key, value in list(transaction.cursor()):
            # An account: tag 1, a 16-byte balance, an 8-byte nonce. One unit more in 20 balances.
            if value[:1] == b"\x01" and len(value) == 25 and tampered < 20:
                forged = bytearray(value)
                forged[16] ^= 1
                transaction.put(key, bytes(forged))
                tampered += 1
    environment.close()
    assert tampered == 20, tampered
    takeoff("run", "--db", db, "--archive", archive, "--blocks", str(BLOCKS - BLOCKS // 2), *WORKLOAD)
    return archive


class ClusterTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        binary = os.environ.get("TAKEOFF_BINARY")
        if not binary or not os.access(binary, os.X_OK):
            raise RuntimeError(f"TAKEOFF_BINARY must name the takeoff binary to test (got {binary!r})")
        cls.root = tempfile.mkdtemp(prefix="takeoff-cluster-tests-")
        cls.archive = os.path.join(cls.root, "honest", "archive")
        takeoff("run", "--db", os.path.join(cls.root, "honest", "db"), "--archive", cls.archive, "--blocks", str(BLOCKS), *WORKLOAD)
        cls.replayed = last_json(takeoff("replay", "--archive", cls.archive, "--db", os.path.join(cls.root, "replayed"), "--json").stdout)
        cls.applied = last_json(takeoff("replay", "--archive", cls.archive, "--db", os.path.join(cls.root, "applied"), "--mode", "apply",
                                        "--json").stdout)
        cls.forged = forge(os.path.join(cls.root, "forged"))
        # The history is read only: the cluster must not need to write into it.
        make_read_only(cls.archive)
        cls.archive_digest = tree_digest(cls.archive)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        cls.address = f"127.0.0.1:{port}"
        # Ray 2.59+ authenticates clusters with a token; the cluster and every client that joins it must agree on the
        # mode and hold the token. A token of the test's own, in the environment the clients inherit, leaves
        # ~/.ray alone.
        os.environ["RAY_AUTH_MODE"] = "token"
        os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
        started = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "ray"), "start", "--head", f"--port={port}", "--num-cpus=2",
             "--include-dashboard=false", "--disable-usage-stats"], capture_output=True, text=True)
        if started.returncode != 0:
            raise RuntimeError(f"Ray could not start a local cluster: {started.stderr or started.stdout}")

    @classmethod
    def tearDownClass(cls):
        subprocess.run([os.path.join(os.path.dirname(sys.executable), "ray"), "stop", "--force"], capture_output=True)
        make_writable(cls.root)
        shutil.rmtree(cls.root, ignore_errors=True)

    def cluster(self, *arguments, work=None):
        """Runs takeoff-cluster against the local cluster; returns its exit status and JSON summary."""
        command = [sys.executable, "-m", "takeoff_cluster", "--address", self.address, "--binary", os.environ["TAKEOFF_BINARY"], "--json"]
        if work:
            command += ["--work", work]
        result = subprocess.run([*command, *arguments], capture_output=True, text=True)
        self.assertTrue(result.stdout.strip(), f"no output; stderr: {result.stderr}")
        return result.returncode, last_json(result.stdout), result.stderr

    def test_verify_over_four_ranges_matches_one_replay(self):
        work = os.path.join(self.root, "work-verify")
        status, summary, stderr = self.cluster("verify", "--archive", self.archive, "--ranges", "4", work=work)
        self.assertEqual(status, 0, stderr)
        self.assertEqual(summary["status"], "ok")
        self.assertEqual([row["range"] for row in summary["ranges"]], ["1-3", "4-6", "7-9", "10-12"])
        self.assertTrue(all(row["status"] == "ok" for row in summary["ranges"]), summary["ranges"])
        self.assertEqual([checkpoint["block"] for checkpoint in summary["checkpoints"]], [3, 6, 9])
        self.assertEqual(summary["headBlock"], BLOCKS)
        self.assertEqual(summary["stateCommitment"], self.replayed["stateCommitment"])
        self.assertEqual(summary["transactions"], BLOCKS * BLOCK_SIZE)
        self.assertIn("of 4 ranges", stderr)  # progress across ranges
        self.assertFalse(os.path.exists(work), "the work directory, scratch directories included, is removed")
        self.assertEqual(tree_digest(self.archive), self.archive_digest, "nothing is written into the archive")

    def test_a_forged_block_is_found_and_named_and_not_retried(self):
        reference = takeoff("replay", "--archive", self.forged, "--db", os.path.join(self.root, "forged-replay"), "--json", check=False)
        self.assertEqual(reference.returncode, 2, reference.stderr)
        bad_block = last_json(reference.stdout)["block"]
        self.assertGreater(bad_block, BLOCKS // 2)
        status, summary, stderr = self.cluster("verify", "--archive", self.forged, "--ranges", "4")
        self.assertEqual(status, 2, stderr)
        self.assertEqual(summary["status"], "mismatch")
        self.assertEqual(summary["firstBadBlock"], bad_block)
        self.assertEqual(summary["mismatch"]["archived"], last_json(reference.stdout)["archived"])
        for row in summary["ranges"]:
            first, last = map(int, row["range"].split("-"))
            if last < bad_block:
                self.assertEqual(row["status"], "ok", row)
            if first <= bad_block <= last:
                self.assertEqual(row["status"], "mismatch", row)
                self.assertEqual(row["attempts"], 1, "a mismatch is a result, not a fault to retry")

    def test_a_killed_process_is_retried_to_the_same_result(self):
        status, summary, stderr = self.cluster("--inject-fault", "kill-process:verify-7-9", "verify", "--archive", self.archive, "--ranges", "4")
        self.assertEqual(status, 0, stderr)
        self.assertEqual(summary["retries"], {"verify-7-9": 1})
        self.assertEqual(summary["stateCommitment"], self.replayed["stateCommitment"])

    def test_a_dead_worker_is_retried_to_the_same_result(self):
        status, summary, stderr = self.cluster("--inject-fault", "kill-worker:merge-4-6", "verify", "--archive", self.archive, "--ranges", "4")
        self.assertEqual(status, 0, stderr)
        self.assertEqual(summary["retries"], {"merge-4-6": 1})
        self.assertEqual(summary["stateCommitment"], self.replayed["stateCommitment"])

    def test_reconstruct_ends_at_the_apply_replay_commitment(self):
        db = os.path.join(self.root, "reconstructed")
        status, summary, stderr = self.cluster("--inject-fault", "kill-worker:combine-1-6", "reconstruct", "--archive", self.archive,
                                               "--ranges", "4", "--db", db)
        self.assertEqual(status, 0, stderr)
        self.assertEqual(summary["mergeTreeDepth"], 2)
        self.assertEqual(summary["retries"], {"combine-1-6": 1})
        self.assertEqual(summary["stateCommitment"], self.applied["stateCommitment"])
        self.assertEqual(summary["headHash"], self.applied["headHash"])
        verified = last_json(takeoff("verify", "--db", db, "--json").stdout)
        self.assertEqual(verified["stateCommitment"], self.applied["stateCommitment"])
        self.assertEqual(tree_digest(self.archive), self.archive_digest, "nothing is written into the archive")

    def test_reconstruct_of_a_forged_history_is_refused(self):
        status, summary, stderr = self.cluster("reconstruct", "--archive", self.forged, "--ranges", "4", "--db", os.path.join(self.root, "forged-db"))
        self.assertEqual(status, 2, stderr)
        self.assertEqual(summary["status"], "mismatch")
        self.assertFalse(os.path.exists(os.path.join(self.root, "forged-db", "data.mdb")) and
                         takeoff("inspect", "--db", os.path.join(self.root, "forged-db"), check=False).returncode == 0,
                         "no store with a head is left for a history that does not add up")

    def test_bad_arguments_are_refused_before_ray_starts(self):
        status, summary, _ = self.cluster("verify", "--archive", self.archive, "--ranges", "0")
        self.assertEqual((status, summary["status"]), (3, "bad-input"))
        status, summary, _ = self.cluster("--inject-fault", "explode:verify-1-3", "verify", "--archive", self.archive, "--ranges", "2")
        self.assertEqual(status, 3)
        self.assertIn("KIND:TASK", summary["message"])


if __name__ == "__main__":
    unittest.main()
