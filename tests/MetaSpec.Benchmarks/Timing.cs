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
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) action();
            if (Stopwatch.GetElapsedTime(start).TotalSeconds >= secondsPerTrial) break;
            calls *= 2;
        }
        double best = double.PositiveInfinity;
        for (int t = 0; t < trials; t++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds / calls);
        }
        return best;
    }
}
