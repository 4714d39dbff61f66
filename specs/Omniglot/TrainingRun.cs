using System.Diagnostics;
using MetaSpec.Meta;
using MetaSpec.Tasks;
using static MetaSpec.Specs.SpecOutput;

namespace MetaSpec.Specs.OmniglotSpec;

/// <summary>
/// The training loop of the spec: meta-iterations in chunks up to the next validation, the learning-rate schedule, the
/// wall-time budget, validations that append to the curve and save the best and the resumable checkpoints, and a progress
/// line every half minute.
/// </summary>
internal sealed class TrainingRun(NetworkLearner<float> learner, string learnerName, List<CurvePoint> curve, double learningRate,
    double decayAt, double budgetSeconds, long iterationLimit, TextWriter output)
{
    /// <summary>The learning-rate drop: the rate is divided by this (Adam 1e-3 → 1e-4, as the documented run).</summary>
    public const double DecayDivisor = 10;

    // Every validation scores the same episodes (one seed), so the curve's points differ only by the parameters.
    private const int ValidationSeed = 2024;
    private const double ProgressSeconds = 30;

    private readonly Stopwatch _clock = new();
    private readonly double _startSeconds = curve.Count > 0 ? curve[^1].SecondsAfter : 0;
    private readonly long _startIteration = learner.Iterations;
    private double _best = curve.Count > 0 ? curve.Max(p => p.AccuracyAfterTestSteps) : double.NegativeInfinity;
    private double _lastValidationSeconds, _lastProgress, _windowLoss, _progressLoss, _trainingSeconds;
    private int _windowCount, _progressCount;

    public required ITaskDistribution<float> TrainTasks { get; init; }
    public required ITaskDistribution<float> ValidationTasks { get; init; }
    public required int ValidationCount { get; init; }
    public required int ValidateEvery { get; init; }
    public required int Threads { get; init; }
    public required int TrainSteps { get; init; }
    public required int TestSteps { get; init; }
    public required string BestPath { get; init; }
    public required string LastPath { get; init; }
    public required string CurvePath { get; init; }
    public required string FigurePath { get; init; }
    public required string Title { get; init; }

    /// <summary>What ended the run: "the budget" or "the iteration limit".</summary>
    public string StoppedBy { get; private set; } = "the iteration limit";

    public long IterationsThisRun => learner.Iterations - _startIteration;

    /// <summary>Training seconds per meta-iteration in this run, validations excluded.</summary>
    public double SecondsPerIteration => IterationsThisRun > 0 ? _trainingSeconds / IterationsThisRun : double.NaN;

    /// <summary>Training wall time of the whole run, earlier legs of a resumed run included.</summary>
    private double Elapsed => _startSeconds + _clock.Elapsed.TotalSeconds;

    /// <summary>Trains until the budget or the iteration limit, validating every <see cref="ValidateEvery"/> iterations and at the end.</summary>
    public void Train()
    {
        _clock.Start();
        // A first point before any training (chance after 0 steps; what adaptation alone does after N): the curve's origin.
        if (learner.Iterations == 0 && curve.Count == 0) Validate();
        using var stop = new CancellationTokenSource();
        while (learner.Iterations < iterationLimit && !stop.IsCancellationRequested)
        {
            if (TimeUp())
            {
                StoppedBy = "the budget";
                break;
            }
            long next = ValidateEvery - learner.Iterations % ValidateEvery;
            int chunk = (int)Math.Min(next, iterationLimit - learner.Iterations);
            Schedule();
            var trained = Stopwatch.StartNew();
            try
            {
                learner.Train(TrainTasks, chunk, step => AfterStep(step, stop), Threads, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The budget ran out between two iterations: the learner holds the last completed one.
            }
            _trainingSeconds += trained.Elapsed.TotalSeconds;
            if (stop.IsCancellationRequested) StoppedBy = "the budget";
            if (learner.Iterations % ValidateEvery == 0 || stop.IsCancellationRequested || learner.Iterations == iterationLimit) Validate();
        }
        if (curve.Count == 0 || curve[^1].Iteration != learner.Iterations) Validate();
    }

    /// <summary>After each meta-iteration: the loss windows, the schedule for the next one, the budget, a progress line.</summary>
    private void AfterStep(MetaStep step, CancellationTokenSource stop)
    {
        _windowLoss += step.MetaLoss;
        _windowCount++;
        _progressLoss += step.MetaLoss;
        _progressCount++;
        Schedule();
        if (TimeUp()) stop.Cancel();
        if (Elapsed - _lastProgress < ProgressSeconds) return;
        _lastProgress = Elapsed;
        output.WriteLine(F($"  iteration {learner.Iterations,6}  elapsed {Program.Clock(Elapsed)}  ETA {Eta()}  query loss {_progressLoss / _progressCount:F4} (last {_progressCount})  lr {learner.Optimizer.LearningRate:G2}  validation {(curve.Count > 0 ? Program.Percent1(curve[^1].AccuracyAfterTestSteps) : "-")}"));
        (_progressLoss, _progressCount) = (0, 0);
    }

    /// <summary>
    /// The learning rate of the next iteration: dropped tenfold once the run is <c>decayAt</c> done, by the budget or by the
    /// iterations (whichever is further); a pure function of the iteration and the clock, so a resumed run follows it too.
    /// </summary>
    private void Schedule()
    {
        double done = Math.Max(Elapsed / budgetSeconds, (double)learner.Iterations / iterationLimit);
        learner.Optimizer.LearningRate = decayAt < 1 && done >= decayAt ? learningRate / DecayDivisor : learningRate;
    }

    /// <summary>Whether the budget is spent, counting one more validation (so the last one ends within it).</summary>
    private bool TimeUp() => Elapsed + _lastValidationSeconds >= budgetSeconds;

    private string Eta()
    {
        double left = budgetSeconds - Elapsed;
        if (iterationLimit != long.MaxValue && IterationsThisRun > 0)
            left = Math.Min(left, (iterationLimit - learner.Iterations) * (_clock.Elapsed.TotalSeconds / IterationsThisRun));
        return Program.Clock(Math.Max(0, left));
    }

    /// <summary>Scores the fixed validation episodes; saves the best checkpoint, then the curve, then the resumable checkpoint.</summary>
    private void Validate()
    {
        double at = Elapsed;
        var watch = Stopwatch.StartNew();
        var result = learner.Evaluate(ValidationTasks, ValidationCount, TestSteps, ValidationSeed);
        Estimate afterTest = result.Accuracy[TestSteps];
        bool best = afterTest.Mean > _best;
        // Saving the best first: a crash before the curve is written leaves a better checkpoint than recorded, never a worse one.
        if (best)
        {
            learner.Save(BestPath, learnerName);
            _best = afterTest.Mean;
        }
        double loss = _windowCount > 0 ? _windowLoss / _windowCount : double.NaN;
        (_windowLoss, _windowCount) = (0, 0);
        _lastValidationSeconds = watch.Elapsed.TotalSeconds;
        curve.Add(new CurvePoint(learner.Iterations, at, _lastValidationSeconds, result.Accuracy[TrainSteps].Mean, afterTest.Mean, afterTest.HalfWidth95,
            loss, learner.Optimizer.LearningRate));
        Curve.Write(CurvePath, curve);
        Curve.Draw(FigurePath, curve, Title, TrainSteps, TestSteps);
        learner.Save(LastPath, learnerName);
        _lastValidationSeconds = watch.Elapsed.TotalSeconds;
        output.WriteLine(F($"  validation at iteration {learner.Iterations,6}  elapsed {Program.Clock(at)}  accuracy {Percent(afterTest)} after {TestSteps} steps, {Program.Percent1(result.Accuracy[TrainSteps].Mean)} after {TrainSteps}{(best ? "  (best: saved)" : "")}  [{_lastValidationSeconds:F1} s]"));
    }
}
