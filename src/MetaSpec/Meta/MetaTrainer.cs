using MetaSpec.Specification;
using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Engine;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;

namespace MetaSpec.Meta;

/// <summary>Settings of the outer loop.</summary>
public sealed record TrainerOptions
{
    /// <summary>Tasks per meta-batch.</summary>
    public int TaskBatch { get; init; } = SpecDefaults.TaskBatch;

    /// <summary>Threads the tasks of a batch run on (tasks are split statically, so results do not depend on it).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Seed of task sampling and of every task's own random stream.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// The global index of the trainer's first meta-iteration. Every task is drawn from a stream keyed by (seed, iteration,
    /// task), so a trainer that starts at k draws the tasks an uninterrupted run draws from its iteration k on: training
    /// in several calls, or resumed from a checkpoint, equals one run.
    /// </summary>
    public long FirstIteration { get; init; }

    /// <summary>Clip the meta-gradient to this global norm (PyTorch's clip_grad_norm_); 0 for no clipping.</summary>
    public double ClipGradientNorm { get; init; }

    /// <summary>
    /// The declared smoothness L of the task loss; 0 lets the trainer estimate it at the first meta-iteration
    /// (see <see cref="SmoothnessIterations"/>). Either way the trainer checks α·N·L ≤ <see cref="StepSizeConstant"/>.
    /// </summary>
    public double Smoothness { get; init; }

    /// <summary>Power iterations per task for estimating L when none is declared; 0 skips the estimate (and the check).</summary>
    public int SmoothnessIterations { get; init; } = SpecDefaults.SmoothnessIterations;

    /// <summary>c of the step-size bound α·N·L ≤ c (the analyzers read it from .editorconfig's metaspec.step_size_constant).</summary>
    public double StepSizeConstant { get; init; } = SpecDefaults.StepSizeConstant;

    /// <summary>
    /// Where warnings go: standard error unless set; null (or <see cref="TextWriter.Null"/>) silences them. Today: the
    /// smoothness line when L was estimated (the figure the step-size check rests on) or when α·N·L exceeds c.
    /// </summary>
    public TextWriter? Warnings { get; init; } = Console.Error;

    /// <summary>The training log, none unless set: every smoothness line, including a declared L within the bound. A line is written once when the log is also <see cref="Warnings"/>.</summary>
    public TextWriter? Log { get; init; }
}

/// <summary>What one meta-iteration did.</summary>
/// <param name="Iteration">The iteration number (0-based).</param>
/// <param name="MetaLoss">Mean query loss after adaptation over the meta-batch.</param>
/// <param name="GradientNorm">Norm of the averaged meta-gradient before clipping.</param>
public readonly record struct MetaStep(long Iteration, double MetaLoss, double GradientNorm);

/// <summary>
/// The outer loop: samples a meta-batch, computes every task's meta-gradient in parallel (one
/// <see cref="TaskWorker{T}"/> per thread), sums them in task order so a seed reproduces a run bit for
/// bit on any number of threads, and takes an optimiser step. Nothing is allocated per iteration.
/// </summary>
public sealed class MetaTrainer<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly MetaProblem<T> _problem;
    private readonly ITaskDistribution<T> _tasks;
    private readonly IOptimizer<T> _optimizer;
    private readonly TrainerOptions _options;
    private readonly TaskData<T>[] _batch;
    private readonly T[][] _taskGradients;
    private readonly T[] _taskLosses;
    private readonly double[] _taskSmoothness;
    private bool _estimating, _smoothnessChecked;

    // A task's data is drawn from the key (seed, iteration + 1, task + 1, SamplingStream); its own randomness during
    // adaptation (resampling, ES directions) from the same keys without the stream; the smoothness estimate from iteration key 0.
    private const ulong SamplingStream = 1;
    private readonly T[] _gradient;
    private readonly TaskWorker<T>[] _workers;
    private readonly SeededRandom _sampler;
    private readonly ParallelRunner _runner;

    /// <summary>A trainer that updates <paramref name="metaParameters"/> in place.</summary>
    public MetaTrainer(MetaProblem<T> problem, ITaskDistribution<T> tasks, IOptimizer<T> optimizer, T[] metaParameters, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(metaParameters);
        ArgumentNullException.ThrowIfNull(options);
        if (metaParameters.Length != problem.MetaParameterCount)
            throw new ArgumentException($"Expected {problem.MetaParameterCount} meta-parameters, got {metaParameters.Length}.", nameof(metaParameters));
        if (options.TaskBatch < 1) throw new ArgumentOutOfRangeException(nameof(options), options.TaskBatch, "The task batch must hold at least one task.");
        if (options.Threads < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "At least one thread is needed.");
        if (options.FirstIteration < 0) throw new ArgumentOutOfRangeException(nameof(options), options.FirstIteration, "The first iteration cannot be negative.");
        if (!(options.ClipGradientNorm >= 0) || double.IsInfinity(options.ClipGradientNorm))
            throw new ArgumentOutOfRangeException(nameof(options), options.ClipGradientNorm, "The clipping norm must be non-negative and finite.");
        if (!(options.Smoothness >= 0) || double.IsInfinity(options.Smoothness))
            throw new ArgumentOutOfRangeException(nameof(options), options.Smoothness, "The smoothness L must be non-negative and finite (0 to estimate it).");
        if (options.SmoothnessIterations < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.SmoothnessIterations, "The power iterations must be non-negative.");
        if (!(options.StepSizeConstant > 0) || double.IsInfinity(options.StepSizeConstant))
            throw new ArgumentOutOfRangeException(nameof(options), options.StepSizeConstant, "The step-size constant c must be positive and finite.");
        if (tasks.InputShape.Size != problem.Objective.InputSize)
            throw new ArgumentException($"The tasks' inputs have {tasks.InputShape.Size} values per sample but the model expects {problem.Objective.InputSize}.", nameof(tasks));
        if (tasks.TargetSize != problem.Objective.TargetSize)
            throw new ArgumentException($"The tasks have {tasks.TargetSize} target values per sample but the loss expects {problem.Objective.TargetSize}.", nameof(tasks));
        _problem = problem;
        _tasks = tasks;
        _optimizer = optimizer;
        _options = options;
        MetaParameters = metaParameters;
        int threads = Math.Min(options.Threads, options.TaskBatch);
        _batch = new TaskData<T>[options.TaskBatch];
        _taskGradients = new T[options.TaskBatch][];
        for (int t = 0; t < options.TaskBatch; t++)
        {
            _batch[t] = tasks.CreateTaskData();
            _taskGradients[t] = new T[problem.MetaParameterCount];
        }
        _taskLosses = new T[options.TaskBatch];
        _taskSmoothness = new double[options.TaskBatch];
        _gradient = new T[problem.MetaParameterCount];
        _workers = new TaskWorker<T>[threads];
        for (int w = 0; w < threads; w++) _workers[w] = problem.CreateWorker(tasks.SupportCount, tasks.QueryCount, tasks);
        _sampler = new SeededRandom((ulong)options.Seed);
        Iteration = options.FirstIteration;
        _runner = new ParallelRunner(threads, RunWorker);
    }

    /// <summary>The meta-parameters being trained (θ, then the step sizes for Meta-SGD).</summary>
    public T[] MetaParameters { get; }

    /// <summary>The global index of the next meta-iteration: <see cref="TrainerOptions.FirstIteration"/> plus the iterations completed.</summary>
    public long Iteration { get; private set; }

    /// <summary>
    /// L and the α·N·L ≤ c check, set at the first meta-iteration (declared L, or the estimate); null before, or
    /// when nothing was declared and estimation is off.
    /// </summary>
    public SmoothnessReport? Smoothness { get; private set; }

    /// <summary>Raised once, when <see cref="Smoothness"/> is set.</summary>
    public event Action<SmoothnessReport>? SmoothnessReported;

    /// <summary>
    /// Draws task <paramref name="task"/> of meta-iteration <paramref name="iteration"/> of the stream of <paramref name="seed"/>
    /// into <paramref name="data"/>: a pure function of the three, so training in several calls, resumed from a checkpoint
    /// or on another backend sees the same tasks.
    /// </summary>
    internal static void DrawTask(ITaskDistribution<T> tasks, SeededRandom random, int seed, long iteration, int task, TaskData<T> data)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(random);
        random.Reseed((ulong)seed, (ulong)iteration + 1, (ulong)task + 1, SamplingStream);
        tasks.Sample(random, data);
    }

    /// <summary>One meta-iteration. On a non-finite loss or gradient, throws <see cref="MetaTrainingException"/> and leaves the meta-parameters as they were.</summary>
    public MetaStep Step()
    {
        for (int t = 0; t < _batch.Length; t++)
        {
            DrawTask(_tasks, _sampler, _options.Seed, Iteration, t, _batch[t]);
        }
        if (!_smoothnessChecked) CheckSmoothness();
        RunTasks();

        _gradient.AsSpan().Clear();
        T lossSum = T.Zero;
        for (int t = 0; t < _batch.Length; t++)
        {
            if (!T.IsFinite(_taskLosses[t]) || !TensorPrimitives.IsFiniteAll<T>(_taskGradients[t]))
                throw new MetaTrainingException(
                    $"Meta-iteration {Iteration}, task {t}: the {(T.IsFinite(_taskLosses[t]) ? "meta-gradient" : "query loss")} is not finite " +
                    $"(loss {_taskLosses[t]}; task descriptor [{string.Join(", ", _batch[t].Descriptor)}]). " +
                    "The meta-parameters were left at the last good iteration; a smaller inner step size or outer learning rate usually helps.",
                    Iteration, t);
            lossSum += _taskLosses[t];
            TensorPrimitives.Add(_gradient, _taskGradients[t], _gradient);
        }
        T inv = T.One / T.CreateTruncating(_batch.Length);
        TensorPrimitives.Multiply(_gradient, inv, _gradient);
        double norm = double.CreateTruncating(TensorPrimitives.Norm<T>(_gradient));
        if (_options.ClipGradientNorm > 0)
        {
            double coef = _options.ClipGradientNorm / (norm + 1e-6);
            if (coef < 1) TensorPrimitives.Multiply(_gradient, T.CreateTruncating(coef), _gradient);
        }
        _optimizer.Step(MetaParameters, _gradient);
        return new MetaStep(Iteration++, double.CreateTruncating(lossSum * inv), norm);
    }

    /// <summary>Runs <paramref name="iterations"/> meta-iterations, reporting each step to <paramref name="progress"/>.</summary>
    public void Train(int iterations, Action<MetaStep>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        for (int i = 0; i < iterations; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var step = Step();
            progress?.Invoke(step);
        }
    }

    private void RunTasks()
    {
        try
        {
            _runner.Run();
        }
        catch (TaskFailure f)
        {
            throw new MetaTrainingException($"Meta-iteration {Iteration}, task {f.Task}: {f.InnerException!.Message}", Iteration, f.Task, f.InnerException);
        }
    }

    /// <summary>
    /// Once, on the trainer's first meta-batch before its step: take the declared L or estimate it (the largest estimate over
    /// the batch's tasks: L bounds every task), then report it with the α·N·L ≤ c verdict: to the warnings when estimated
    /// or beyond the bound, and to the log. The estimate
    /// draws from its own random keys (iteration key 0, which training never uses) and the workers' scratch, so
    /// the run's parameters are the same with or without it.
    /// </summary>
    private void CheckSmoothness()
    {
        _smoothnessChecked = true;
        double smoothness = _options.Smoothness;
        bool estimated = smoothness == 0;
        if (estimated)
        {
            if (_options.SmoothnessIterations == 0) return;
            _estimating = true;
            try
            {
                RunTasks();
            }
            finally
            {
                _estimating = false;
            }
            smoothness = 0;
            foreach (double s in _taskSmoothness) smoothness = Math.Max(smoothness, s);
        }
        var inner = _problem.Inner;
        Smoothness = new SmoothnessReport(smoothness, estimated, inner.StepSize, inner.Steps, _options.StepSizeConstant)
        {
            Preconditioner = _problem.StepNormBound(MetaParameters),
        };
        string line = Smoothness.ToString();
        bool warning = Smoothness.Estimated || Smoothness.ExceedsBound;
        if (warning) _options.Warnings?.WriteLine(line);
        if (_options.Log is { } log && !(warning && ReferenceEquals(log, _options.Warnings))) log.WriteLine(line);
        SmoothnessReported?.Invoke(Smoothness);
    }

    private void RunWorker(int w)
    {
        var worker = _workers[w];
        for (int t = w; t < _batch.Length; t += _workers.Length)
        {
            try
            {
                if (_estimating)
                {
                    worker.Random.Reseed((ulong)_options.Seed, 0, (ulong)t + 1);
                    worker.Validate(_batch[t]);
                    _taskSmoothness[t] = worker.EstimateSmoothness(MetaParameters, _batch[t], _options.SmoothnessIterations);
                    continue;
                }
                worker.Random.Reseed((ulong)_options.Seed, (ulong)Iteration + 1, (ulong)t + 1);
                worker.Validate(_batch[t]);
                _taskLosses[t] = worker.MetaGradient(MetaParameters, _batch[t], _taskGradients[t]);
            }
            catch (Exception e)
            {
                throw new TaskFailure(t, e);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _runner.Dispose();

    private sealed class TaskFailure(int task, Exception inner) : Exception(inner.Message, inner)
    {
        public int Task { get; } = task;
    }
}
