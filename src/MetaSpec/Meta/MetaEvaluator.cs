using System.Numerics;
using MetaSpec.Engine;
using MetaSpec.Tasks;

namespace MetaSpec.Meta;

/// <summary>A mean over tasks with the half-width of its 95% confidence interval (1.96·s/√n).</summary>
public readonly record struct Estimate(double Mean, double HalfWidth95, int Count)
{
    /// <summary>Mean and normal-approximation 95% interval of <paramref name="values"/>.</summary>
    public static Estimate Of(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty) throw new ArgumentException("An estimate needs at least one value.", nameof(values));
        double mean = 0;
        foreach (double v in values) mean += v;
        mean /= values.Length;
        if (values.Length == 1) return new(mean, double.NaN, 1);
        double ss = 0;
        foreach (double v in values) ss += (v - mean) * (v - mean);
        double sd = Math.Sqrt(ss / (values.Length - 1));
        return new(mean, 1.96 * sd / Math.Sqrt(values.Length), values.Length);
    }

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"{Mean:G4} ± {HalfWidth95:G2}");
}

/// <summary>Query loss (and accuracy, for classifiers) after 0 … N inner steps, over many held-out tasks.</summary>
/// <param name="Loss">Loss[j]: after j steps.</param>
/// <param name="Accuracy">Accuracy[j]: after j steps; empty unless the objective is a classifier.</param>
public sealed record EvaluationResult(Estimate[] Loss, Estimate[] Accuracy)
{
    /// <summary>Tasks whose query loss after some step was not finite (their adaptation diverged); they are in the means.</summary>
    public int DivergedTasks { get; init; }

    /// <summary>SupportLoss[j]: the inner (support) loss L_S at the point inner step j + 1 starts from, j = 0 … N − 1; empty when not measured.</summary>
    public Estimate[] SupportLoss { get; init; } = [];

    /// <summary>SupportGradientNorm[j]: ‖M∇L_S‖ there, the adapted subset's gradient norm, j = 0 … N − 1; empty when not measured.</summary>
    public Estimate[] SupportGradientNorm { get; init; } = [];
}

/// <summary>Adapts meta-parameters to held-out tasks and measures how well they do.</summary>
public static class MetaEvaluator
{
    /// <summary>
    /// Samples <paramref name="taskCount"/> tasks (reproducibly from <paramref name="seed"/>), adapts with
    /// <paramref name="steps"/> inner steps (the problem's own N when null) and scores the query set after every step.
    /// </summary>
    public static EvaluationResult Evaluate<T>(MetaProblem<T> problem, ReadOnlySpan<T> metaParameters, ITaskDistribution<T> tasks,
        int taskCount, int seed, int? steps = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(tasks);
        if (taskCount < 1) throw new ArgumentOutOfRangeException(nameof(taskCount), taskCount, "Evaluation needs at least one task.");
        int n = steps ?? problem.Inner.Steps;
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(steps), n, "The number of adaptation steps to evaluate cannot be negative.");
        var worker = problem.Adapting(n, problem.Inner.ResampleSupport).CreateWorker(tasks.SupportCount, tasks.QueryCount, tasks);
        var accuracyEvaluator = problem.Objective.CreateAccuracyEvaluator(tasks.QueryCount);
        var task = tasks.CreateTaskData();
        var sampler = new SeededRandom((ulong)seed);
        var losses = new double[n + 1][];
        var accuracies = new double[accuracyEvaluator is null ? 0 : n + 1][];
        var supportLosses = new double[n][];
        var gradientNorms = new double[n][];
        for (int j = 0; j <= n; j++)
        {
            losses[j] = new double[taskCount];
            if (accuracyEvaluator is not null) accuracies[j] = new double[taskCount];
            if (j < n) (supportLosses[j], gradientNorms[j]) = (new double[taskCount], new double[taskCount]);
        }
        int diverged = 0;
        for (int t = 0; t < taskCount; t++)
        {
            tasks.Sample(sampler, task);
            worker.Validate(task);
            worker.Random.Reseed((ulong)seed, 0, (ulong)t + 1);
            worker.Adapt(metaParameters, task);
            bool finite = true;
            for (int j = 0; j <= n; j++)
            {
                // With zero steps the "adapted" model is the (possibly head-reset) starting point θ₀.
                losses[j][t] = double.CreateTruncating(worker.QueryLoss(j));
                finite &= double.IsFinite(losses[j][t]);
                if (accuracyEvaluator is not null)
                    accuracies[j][t] = double.CreateTruncating(accuracyEvaluator.Accuracy(worker.Iterate(j), task.QueryInputs, task.QueryTargets));
                if (j < n)
                {
                    supportLosses[j][t] = double.CreateTruncating(worker.SupportLoss(j));
                    gradientNorms[j][t] = double.CreateTruncating(worker.SupportGradientNorm(j));
                }
            }
            if (!finite) diverged++;
        }
        return new EvaluationResult(
            Array.ConvertAll(losses, l => Estimate.Of(l)),
            Array.ConvertAll(accuracies, a => Estimate.Of(a)))
        {
            DivergedTasks = diverged,
            SupportLoss = Array.ConvertAll(supportLosses, l => Estimate.Of(l)),
            SupportGradientNorm = Array.ConvertAll(gradientNorms, g => Estimate.Of(g)),
        };
    }
}
