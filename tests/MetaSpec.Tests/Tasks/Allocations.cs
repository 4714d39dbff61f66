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
}
