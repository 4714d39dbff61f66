"""torch.mm reference for `dotnet run -c Release --project tests/MetaSpec.Benchmarks -- gemm`.

Usage: gemm.py SIZES THREADS TRIALS SECONDS_PER_TRIAL, e.g. gemm.py 64,256,1024 1,2 30 0.02
Times C = A·B for square float32 matrices with torch.mm(a, b, out=c) the way the C# side times Gemm.Multiply:
warm-up, then TRIALS timed trials of enough calls to last about SECONDS_PER_TRIAL each; reports the best trial.
Prints one JSON object on stdout; on a missing torch, {"error": "..."} and exit status 0.
"""
import json
import sys
import time


def main():
    sizes = [int(s) for s in sys.argv[1].split(",")]
    threads = [int(t) for t in sys.argv[2].split(",")]
    trials = int(sys.argv[3])
    seconds = float(sys.argv[4])
    try:
        import torch
    except ImportError as e:
        print(json.dumps({"error": f"torch not importable: {e}"}))
        return

    torch.manual_seed(0)
    results = []
    for t in threads:
        torch.set_num_threads(t)
        for n in sizes:
            a = torch.rand(n, n, dtype=torch.float32)
            b = torch.rand(n, n, dtype=torch.float32)
            c = torch.empty(n, n, dtype=torch.float32)
            # Warm-up, and size the trials: enough calls to last about `seconds`.
            calls = 1
            while True:
                start = time.perf_counter()
                for _ in range(calls):
                    torch.mm(a, b, out=c)
                elapsed = time.perf_counter() - start
                if elapsed >= seconds:
                    break
                calls *= 2
            best = float("inf")
            for _ in range(trials):
                start = time.perf_counter()
                for _ in range(calls):
                    torch.mm(a, b, out=c)
                best = min(best, (time.perf_counter() - start) / calls)
            results.append({"n": n, "threads": t, "seconds": best, "gflops": 2.0 * n**3 / best / 1e9})

    print(json.dumps({
        "torch": torch.__version__,
        "blas": blas_library(),
        "results": results,
    }))


def blas_library():
    """The BLAS torch's process actually mapped (Debian's torch links libblas.so.3, an update-alternatives link)."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                if "blas" in line.lower():
                    return line.split()[-1]
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    main()
