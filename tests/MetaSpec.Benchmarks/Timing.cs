using System.Diagnostics;

namespace MetaSpec.Benchmarks;

/// <summary>The timing discipline both sides of every comparison use (the Python references copy it).</summary>
internal static class Timing
{
    /// <summary>
    /// Seconds per call of <paramref name="action"/>, best of <paramref name="trials"/> trials: after a warm-up that
    /// doubles the number of calls until one batch lasts <paramref name="secondsPerTrial"/>, each trial times one such
    /// batch. The best trial is the one least disturbed by other processes on a shared machine.
    /// </summary>
    public static double BestSecondsPerCall(Action action, int trials, double secondsPerTrial)
    {
        int calls = 1;
        while (Batch(action, calls) < secondsPerTrial) calls *= 2;
        double best = double.PositiveInfinity;
        for (int t = 0; t < trials; t++) best = Math.Min(best, Batch(action, calls) / calls);
        return best;
    }

    /// <summary>
    /// Calls <paramref name="action"/> for <paramref name="seconds"/>: long enough for the JIT to replace its
    /// first, quickly compiled code with the optimised one (tiered compilation waits about 100 ms of quiet).
    /// </summary>
    public static void WarmUp(Action action, double seconds)
    {
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds) action();
    }

    private static double Batch(Action action, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
