using MetaSpec.Meta;
using MetaSpec.Tasks;

namespace MetaSpec.EngineAccess;

/// <summary>
/// The engine's per-task worker (TaskWorker) is internal to the runtime; the test projects that cannot be shown the
/// runtime's internals (the generator tests compile the same internal rules as the runtime, so seeing both would make
/// their names ambiguous) reach it here, as an independent reference for the generated API and for timings.
/// </summary>
public static class EngineAccess
{
    /// <summary>The parameters after <paramref name="problem"/>'s inner loop on <paramref name="task"/>'s support set from <paramref name="metaParameters"/>.</summary>
    public static float[] Adapt(MetaProblem<float> problem, ReadOnlySpan<float> metaParameters, TaskData<float> task)
    {
        var worker = problem.CreateWorker(task.SupportCount, task.QueryCount);
        worker.Adapt(metaParameters, task);
        return worker.Adapted.ToArray();
    }

    /// <summary>One task's meta-gradient into <paramref name="metaGradient"/>, on a worker made once (so a timing loop measures the gradient, not buffers).</summary>
    public static Func<float> MetaGradient(MetaProblem<float> problem, float[] metaParameters, TaskData<float> task, float[] metaGradient)
    {
        var worker = problem.CreateWorker(task.SupportCount, task.QueryCount);
        return () => worker.MetaGradient(metaParameters, task, metaGradient);
    }
}
