"""torch.mm reference for `dotnet run -c Release --project tests/MetaSpec.Benchmarks -- gemm`.

A line protocol, so the C# side can interleave its own measurements with these and both see the same
machine load: on start this prints one JSON line, {"torch": version, "blas": library} or {"error": why};
then for each request line "N THREADS TRIALS SECONDS" on stdin it times C = A·B for N×N float32 matrices
with torch.mm(a, b, out=c) on THREADS threads (torch.set_num_threads and, when the BLAS is OpenBLAS,
openblas_set_num_threads), the same way the C# side times Gemm.Multiply (warm-up, then
TRIALS trials of enough calls to last about SECONDS each, best trial), and prints
{"n": N, "threads": THREADS, "seconds": per call, "gflops": 2N³/seconds/1e9}. An empty line or EOF ends it.
"""
import json
import sys
import time


def main():
    try:
        import torch
    except ImportError as e:
        reply({"error": f"torch not importable: {e}"})
        return
    torch.manual_seed(0)
    blas = blas_library()
    set_blas_threads = openblas_thread_setter(blas)
    reply({"torch": torch.__version__, "blas": blas, "blas_threads_set": set_blas_threads is not None})
    for line in sys.stdin:
        if not line.strip():
            break
        n, threads, trials, seconds = line.split()
        torch.set_num_threads(int(threads))
        if set_blas_threads is not None:
            set_blas_threads(int(threads))
        reply(measure(torch, int(n), int(threads), int(trials), float(seconds)))


def measure(torch, n, threads, trials, seconds):
    a = torch.rand(n, n, dtype=torch.float32)
    b = torch.rand(n, n, dtype=torch.float32)
    c = torch.empty(n, n, dtype=torch.float32)

    def batch(calls):
        start = time.perf_counter()
        for _ in range(calls):
            torch.mm(a, b, out=c)
        return time.perf_counter() - start

    # Warm-up, and size the trials: double the calls until a batch lasts `seconds`.
    calls = 1
    while batch(calls) < seconds:
        calls *= 2
    best = min(batch(calls) / calls for _ in range(trials))
    return {"n": n, "threads": threads, "seconds": best, "gflops": 2.0 * n**3 / best / 1e9}


def blas_library():
    """The BLAS this process mapped (Debian's torch links libblas.so.3, an update-alternatives link)."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                if "blas" in line.lower():
                    return line.split()[-1]
    except OSError:
        pass
    return "unknown"


def openblas_thread_setter(path):
    """openblas_set_num_threads from the mapped BLAS, or None.

    Debian's torch calls the generic BLAS interface, and torch.set_num_threads does not reach OpenBLAS's own
    thread pool: measured on the benchmark machine, torch.set_num_threads(2) alone leaves torch.mm on one core
    (CPU time / wall time 1.05), while openblas_set_num_threads(2) gives 2.00. So both are set.
    """
    try:
        import ctypes
        return ctypes.CDLL(path).openblas_set_num_threads
    except (OSError, AttributeError):
        return None


def reply(obj):
    print(json.dumps(obj), flush=True)


if __name__ == "__main__":
    main()
