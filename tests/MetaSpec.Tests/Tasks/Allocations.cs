namespace MetaSpec.Tests.Tasks;

public static class Allocations
{
    /// <summary>Bytes <paramref name="action"/> allocates on this thread, measured on a second run so one-time JIT and static setup do not count.</summary>
    public static long Measure(Action action)
    {
        action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>The fewest bytes <paramref name="action"/> allocates on this thread in any of <paramref name="windows"/>
    /// runs after a warm-up run. An allocation the action makes every time shows in every window; a one-off one of the
    /// runtime's (tiered re-compilation reaching this method late on a loaded machine) shows in one at most.</summary>
    public static long SteadyState(Action action, int windows = 3)
    {
        action();
        long fewest = long.MaxValue;
        for (int w = 0; w < windows; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
