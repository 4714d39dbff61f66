using System.Globalization;
using System.Numerics;
using MetaSpec.Engine;
using MetaSpec.IO;
using MetaSpec.Layers;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace MetaSpec.Torch;

/// <summary>Where and how the torch backend runs.</summary>
public sealed record TorchOptions
{
    /// <summary><c>auto</c> (CUDA when available, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>libtorch's intra-op threads; null leaves libtorch's default (all cores).</summary>
    public int? Threads { get; init; }

    /// <summary>How task-batched convolutions run (grouped on CUDA, per task on the CPU by default).</summary>
    public TorchConvolution Convolution { get; init; } = TorchConvolution.Auto;

    /// <summary>Tasks adapted at once by <see cref="TorchLearner{T}.Evaluate"/>.</summary>
    public int EvaluationBatch { get; init; } = 50;
}

/// <summary>
/// A meta-learner on libtorch: meta-parameters as tensors on the chosen device, meta-training with task batches in one
/// graph (<see cref="TorchMetaCore"/>), evaluation, adaptation and checkpoints in the managed engine's format. The
/// behaviour follows the managed <c>NetworkLearner</c>: the same task stream for a seed, the same optimiser
/// semantics, the same flat parameter layout, so either backend can continue what the other saved.
/// </summary>
public sealed class TorchLearner<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor[] _theta;
    private readonly Tensor[]? _stepSizes;
    private readonly Tensor[] _all;
    private readonly TorchOptimizer _optimizer;
    private readonly TorchOptions _options;
    private readonly Lazy<IReadOnlyList<ParameterTensor>> _layout; // the managed twin's meta-tensors: checkpoints go through the managed engine's own code

    /// <summary>
    /// A learner starting from <paramref name="initialParameters"/>: θ in the managed layout (length
    /// <see cref="TorchModel.ParameterCount"/>), or θ followed by the step sizes for Meta-SGD (twice that; with θ alone the
    /// step sizes start at the inner step size).
    /// </summary>
    public TorchLearner(TorchModel model, TorchMetaSettings settings, TorchOuterSettings outer, ReadOnlySpan<T> initialParameters,
        int seed = 0, TorchOptions? options = null)
    {
        TorchRuntime.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(outer);
        outer.Validate();
        _options = options ?? new TorchOptions();
        Core = new TorchMetaCore(model, settings, _options.Convolution);
        Outer = outer;
        Seed = seed;
        if (_options.EvaluationBatch < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.EvaluationBatch, "The evaluation batch must hold at least one task.");
        if (_options.Threads is int threads)
        {
            if (threads < 1) throw new ArgumentOutOfRangeException(nameof(options), threads, "At least one thread is needed.");
            torch.set_num_threads(threads);
        }
        Device = TorchRuntime.ResolveDevice(_options.Device);
        DType = TensorData.ScalarTypeOf<T>();
        int p = model.ParameterCount;
        if (initialParameters.Length != p && !(settings.LearnStepSizes && initialParameters.Length == 2 * p))
            throw new ArgumentException($"Expected {p} parameters{(settings.LearnStepSizes ? $" (or {2 * p} with step sizes)" : "")}, got {initialParameters.Length}.", nameof(initialParameters));
        foreach (var v in initialParameters)
            if (!T.IsFinite(v)) throw new ArgumentException("The initial parameters contain NaN or infinity.", nameof(initialParameters));
        _theta = Leaves(initialParameters[..p]);
        if (settings.LearnStepSizes)
        {
            var alpha = initialParameters.Length == 2 * p ? initialParameters[p..].ToArray() : Enumerable.Repeat(T.CreateTruncating(settings.StepSize), p).ToArray();
            _stepSizes = Leaves(alpha);
        }
        _all = [.. _theta, .. _stepSizes ?? []];
        _layout = new(() => ManagedBridge.MetaTensors<T>(model, Settings.LearnStepSizes));
        _optimizer = new TorchOptimizer(outer, _all);
    }

    private Tensor[] Leaves(ReadOnlySpan<T> flat)
    {
        var leaves = new Tensor[Model.Tensors.Count];
        for (int i = 0; i < leaves.Length; i++)
        {
            var t = Model.Tensors[i];
            leaves[i] = TensorData.ToTensor(flat.Slice(t.Offset, t.Length), t.Dimensions, Device).requires_grad_(true).DetachFromDisposeScope();
        }
        return leaves;
    }

    /// <summary>The inner loop and hypergradient engine.</summary>
    internal TorchMetaCore Core { get; }

    /// <summary>The network.</summary>
    public TorchModel Model => Core.Model;

    /// <summary>The problem's settings.</summary>
    public TorchMetaSettings Settings => Core.Settings;

    /// <summary>The outer loop's settings.</summary>
    public TorchOuterSettings Outer { get; }

    /// <summary>The device the tensors live on.</summary>
    public Device Device { get; }

    /// <summary>The element type (float32 or float64).</summary>
    public ScalarType DType { get; }

    /// <summary>The seed of the first training run's task stream.</summary>
    public int Seed { get; }

    /// <summary>Meta-iterations completed over every <see cref="Train"/> call.</summary>
    public long Iterations { get; private set; }

    /// <summary>Length of the flat meta-parameters: θ, then the step sizes for Meta-SGD.</summary>
    public int MetaParameterCount => Settings.LearnStepSizes ? 2 * Model.ParameterCount : Model.ParameterCount;

    /// <summary>θ as tensors (live; one per model tensor).</summary>
    public IReadOnlyList<Tensor> Parameters => _theta;

    /// <summary>A copy of the meta-parameters in the managed engine's flat layout.</summary>
    public T[] MetaParameters
    {
        get
        {
            var flat = new T[MetaParameterCount];
            for (int i = 0; i < _all.Length; i++)
            {
                var t = Model.Tensors[i % _theta.Length];
                TensorData.CopyTo(_all[i], flat.AsSpan((i / _theta.Length) * Model.ParameterCount + t.Offset, t.Length));
            }
            return flat;
        }
    }

    /// <summary>Replaces the meta-parameters with <paramref name="flat"/> (managed layout; the optimiser's state is kept).</summary>
    public void SetMetaParameters(ReadOnlySpan<T> flat)
    {
        if (flat.Length != MetaParameterCount) throw new ArgumentException($"Expected {MetaParameterCount} meta-parameters, got {flat.Length}.", nameof(flat));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (int i = 0; i < _all.Length; i++)
        {
            var t = Model.Tensors[i % _theta.Length];
            _all[i].copy_(TensorData.ToTensor(flat.Slice((i / _theta.Length) * Model.ParameterCount + t.Offset, t.Length), t.Dimensions, Device));
        }
    }

    /// <summary>
    /// The meta-gradient of <paramref name="tasks"/> (the mean over them, managed layout) into <paramref name="metaGradient"/>;
    /// returns the mean query loss after adaptation. Does not step.
    /// </summary>
    public T MetaGradient(IReadOnlyList<TaskData<T>> tasks, Span<T> metaGradient)
    {
        if (metaGradient.Length != MetaParameterCount) throw new ArgumentException($"The meta-gradient needs {MetaParameterCount} values, got {metaGradient.Length}.", nameof(metaGradient));
        foreach (var task in tasks) Validate(task);
        using var scope = NewDisposeScope();
        var (losses, gradients) = Core.MetaGradient(_theta, _stepSizes, TensorData.Batch(tasks, Model, Settings.Loss, Device));
        for (int i = 0; i < gradients.Length; i++)
        {
            var t = Model.Tensors[i % _theta.Length];
            TensorData.CopyTo(gradients[i], metaGradient.Slice((i / _theta.Length) * Model.ParameterCount + t.Offset, t.Length));
        }
        return T.CreateTruncating(losses.mean().ToDouble());
    }

    /// <summary>One meta-iteration on <paramref name="tasks"/>: meta-gradient, clipping, optimiser step. Non-finite values throw before the step.</summary>
    public MetaStep Step(IReadOnlyList<TaskData<T>> tasks)
    {
        foreach (var task in tasks) Validate(task);
        using var scope = NewDisposeScope();
        var (losses, gradients) = Core.MetaGradient(_theta, _stepSizes, TensorData.Batch(tasks, Model, Settings.Loss, Device));
        double[] perTask = TensorData.ToDoubles(losses);
        for (int t = 0; t < perTask.Length; t++)
            if (!double.IsFinite(perTask[t]))
                throw new MetaTrainingException(
                    $"Meta-iteration {Iterations}, task {t}: the query loss is not finite ({perTask[t]}; task descriptor [{string.Join(", ", tasks[t].Descriptor)}]). " +
                    "The meta-parameters were left at the last good iteration; a smaller inner step size or outer learning rate usually helps.", Iterations, t);
        Tensor squared = zeros(1, ScalarType.Float64, Device);
        foreach (var g in gradients) squared = squared + g.to_type(ScalarType.Float64).square().sum();
        double norm = Math.Sqrt(squared.ToDouble());
        if (!double.IsFinite(norm))
            throw new MetaTrainingException(
                $"Meta-iteration {Iterations}: the meta-gradient averaged over the batch is not finite. The meta-parameters were left at the last good iteration; " +
                "a smaller inner step size or outer learning rate usually helps.", Iterations, -1);
        if (Outer.ClipGradientNorm > 0)
        {
            double coef = Outer.ClipGradientNorm / (norm + 1e-6);
            if (coef < 1) gradients = [.. gradients.Select(g => g * coef)];
        }
        _optimizer.Step(gradients);
        return new MetaStep(Iterations++, perTask.Average(), norm);
    }

    /// <summary>
    /// Runs <paramref name="iterations"/> meta-iterations on batches drawn from <paramref name="tasks"/>, from the managed
    /// trainer's stream (<see cref="MetaTrainer{T}.DrawTask"/>): the same tasks in the same order, whatever the calls.
    /// </summary>
    public void Train(ITaskDistribution<T> tasks, int iterations, Action<MetaStep>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        CheckDistribution(tasks);
        if (iterations == 0) return;
        var sampler = new SeededRandom(0);
        var batch = new TaskData<T>[Outer.TaskBatch];
        for (int t = 0; t < batch.Length; t++) batch[t] = tasks.CreateTaskData();
        for (int i = 0; i < iterations; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            for (int t = 0; t < batch.Length; t++) MetaTrainer<T>.DrawTask(tasks, sampler, Seed, Iterations, t, batch[t]);
            var step = Step(batch);
            progress?.Invoke(step);
        }
    }

    /// <summary>
    /// Query loss (and accuracy for cross-entropy) with 95% intervals after 0 … N inner steps on <paramref name="taskCount"/>
    /// tasks drawn from <paramref name="seed"/>, the same tasks the managed evaluator draws; tasks are adapted in batches.
    /// </summary>
    public EvaluationResult Evaluate(ITaskDistribution<T> tasks, int taskCount, int? steps = null, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (taskCount < 1) throw new ArgumentOutOfRangeException(nameof(taskCount), taskCount, "Evaluation needs at least one task.");
        CheckDistribution(tasks);
        int n = steps ?? Settings.Steps;
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var sampler = new SeededRandom((ulong)seed);
        var losses = new double[n + 1][];
        var accuracies = new double[Settings.Loss == TorchLoss.CrossEntropy ? n + 1 : 0][];
        for (int j = 0; j <= n; j++) losses[j] = new double[taskCount];
        for (int j = 0; j < accuracies.Length; j++) accuracies[j] = new double[taskCount];
        for (int start = 0; start < taskCount; start += _options.EvaluationBatch)
        {
            int count = Math.Min(_options.EvaluationBatch, taskCount - start);
            var chunk = new TaskData<T>[count];
            for (int t = 0; t < count; t++)
            {
                chunk[t] = tasks.CreateTaskData();
                tasks.Sample(sampler, chunk[t]);
                Validate(chunk[t]);
            }
            using var scope = NewDisposeScope();
            var (l, a) = Core.Evaluate(_theta, _stepSizes, TensorData.Batch(chunk, Model, Settings.Loss, Device), n);
            Scatter(l, losses, start, count);
            if (a is not null) Scatter(a, accuracies, start, count);
        }
        return new EvaluationResult(Array.ConvertAll(losses, v => Estimate.Of(v)), Array.ConvertAll(accuracies, v => Estimate.Of(v)));

        static void Scatter(Tensor values, double[][] into, int start, int count)
        {
            double[] flat = TensorData.ToDoubles(values);
            for (int j = 0; j < into.Length; j++) Array.Copy(flat, j * count, into[j], start, count);
        }
    }

    /// <summary>
    /// The parameters after <paramref name="steps"/> inner steps (the declared N when null) on one support set, in the
    /// managed layout (θ only). The support data is used as given.
    /// </summary>
    public T[] Adapt(ReadOnlySpan<T> supportInputs, ReadOnlySpan<T> supportTargets, int? steps = null)
    {
        int n = steps ?? Settings.Steps;
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        int count = SampleCount(supportInputs, "support");
        var task = new TaskData<T>(Model.Input.Size, TargetSize, count, 1);
        supportInputs.CopyTo(task.SupportInputs);
        supportTargets.CopyTo(task.SupportTargets);
        Validate(task);
        using var scope = NewDisposeScope();
        var batch = TensorData.Batch([task], Model, Settings.Loss, Device);
        var adapted = Core.Adapt(_theta, _stepSizes, batch.SupportInputs, batch.SupportTargets, n);
        var flat = new T[Model.ParameterCount];
        for (int i = 0; i < adapted.Length; i++)
        {
            var t = Model.Tensors[i];
            TensorData.CopyTo(adapted[i], flat.AsSpan(t.Offset, t.Length));
        }
        return flat;
    }

    /// <summary>The network's outputs for <paramref name="inputs"/> under flat <paramref name="parameters"/> (managed layout).</summary>
    public T[] Predict(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs)
    {
        if (parameters.Length != Model.ParameterCount) throw new ArgumentException($"Expected {Model.ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        int count = SampleCount(inputs, "input");
        using var scope = NewDisposeScope();
        var tensors = new Tensor[Model.Tensors.Count];
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = Model.Tensors[i];
            Tensor value = TensorData.ToTensor(parameters.Slice(t.Offset, t.Length), t.Dimensions, Device);
            tensors[i] = Core.Adapted[i] ? value.unsqueeze(0) : value;
        }
        var outputs = Core.Predict(tensors, TensorData.ToTensor(inputs, TensorData.InputShape(1, count, Model.Input), Device));
        var result = new T[count * Model.Output.Size];
        TensorData.CopyTo(outputs, result);
        return result;
    }

    /// <summary>Writes the meta-parameters to a safetensors file, atomically, with the managed engine's names and layout (its own writer).</summary>
    public void Save(string path, string? learnerName = null)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["iterations"] = Iterations.ToString(CultureInfo.InvariantCulture),
            ["backend"] = "torch",
        };
        if (learnerName is not null) metadata["learner"] = learnerName;
        Checkpoint.Save<T>(path, _layout.Value, MetaParameters, metadata);
    }

    /// <summary>
    /// Replaces the meta-parameters with those saved at <paramref name="path"/> (by either backend; every tensor checked by
    /// name and shape). The managed learner's optimiser state (<c>optimizer.*</c> tensors) is read past: this learner's
    /// optimiser restarts.
    /// </summary>
    public void Load(string path)
    {
        var content = SafeTensors.Load(path);
        var layout = new List<ParameterTensor>(_layout.Value);
        int end = MetaParameters.Length;
        foreach (var tensor in content.Tensors)
        {
            if (!tensor.Name.StartsWith("optimizer.", StringComparison.Ordinal)) continue;
            layout.Add(new ParameterTensor(tensor.Name, end, Array.ConvertAll(tensor.Shape, d => (int)d)));
            end += tensor.Values.Length;
        }
        SetMetaParameters(Checkpoint.Read<T>(path, content, layout).AsSpan(0, MetaParameters.Length));
    }

    private int TargetSize => Settings.Loss == TorchLoss.CrossEntropy ? 1 : Model.Output.Channels;

    private int SampleCount(ReadOnlySpan<T> inputs, string set)
    {
        int size = Model.Input.Size;
        if (inputs.IsEmpty) throw new ArgumentException($"The {set} set is empty.", set);
        if (inputs.Length % size != 0) throw new ArgumentException($"The {set} inputs hold {inputs.Length} values, not a whole number of samples of shape {Model.Input}.", set);
        return inputs.Length / size;
    }

    private void CheckDistribution(ITaskDistribution<T> tasks)
    {
        if (tasks.InputShape.Size != Model.Input.Size)
            throw new ArgumentException($"The tasks' inputs have {tasks.InputShape.Size} values per sample but the model expects {Model.Input.Size}.", nameof(tasks));
        if (tasks.TargetSize != TargetSize)
            throw new ArgumentException($"The tasks have {tasks.TargetSize} target values per sample but the loss expects {TargetSize}.", nameof(tasks));
    }

    /// <summary>Checks a task's data, with errors that name the set and the problem.</summary>
    private void Validate(TaskData<T> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.InputSize != Model.Input.Size) throw new ArgumentException($"The task's samples have {task.InputSize} values but the model expects {Model.Input.Size} ({Model.Input}).", nameof(task));
        if (task.TargetSize != TargetSize) throw new ArgumentException($"The task has {task.TargetSize} target values per sample but the loss expects {TargetSize}.", nameof(task));
        Check(task.SupportInputs, task.SupportTargets, "support");
        Check(task.QueryInputs, task.QueryTargets, "query");

        void Check(T[] inputs, T[] targets, string set)
        {
            foreach (var v in inputs)
                if (!T.IsFinite(v)) throw new ArgumentException($"The {set} inputs contain NaN or infinity.", nameof(task));
            int classes = Model.Output.Channels;
            for (int i = 0; i < targets.Length; i++)
            {
                T v = targets[i];
                if (!T.IsFinite(v)) throw new ArgumentException($"The {set} targets contain NaN or infinity (sample {i / TargetSize}).", nameof(task));
                if (Settings.Loss == TorchLoss.CrossEntropy && (v != T.Round(v) || v < T.Zero || v >= T.CreateTruncating(classes)))
                    throw new ArgumentException($"The {set} set: sample {i} has label {v}, not a class index in [0, {classes}).", nameof(task));
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _optimizer.Dispose();
        foreach (var t in _all) t.Dispose();
    }
}
