using System.Numerics.Tensors;
using System.Numerics;
using MetaSpec.Meta;
using MetaSpec.Specification;
using MetaSpec.Tasks;

namespace MetaSpec.Engine;

/// <summary>
/// One thread's engine for single tasks: runs the inner loop (<see cref="InnerTrajectory{T}"/>) and computes the
/// task's meta-gradient with the problem's hypergradient method (one <see cref="HypergradientMethod{T}"/> per
/// method). All buffers are allocated here, once; not thread-safe.
/// </summary>
/// <remarks>
/// When only the network's head adapts and the method allows it, the losses are the head's on body features
/// computed once per task (<see cref="HeadLoss{T}"/>, the ANIL specialisation) and everything else is unchanged:
/// the same trajectory and the same method run on the head's coordinates.
/// </remarks>
internal sealed class TaskWorker<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly MetaProblem<T> _problem;
    private readonly int _maxSupport, _maxQuery;
    private readonly TaskSets<T> _sets;
    private readonly AdaptedLoss<T> _loss;
    private readonly InnerTrajectory<T> _trajectory;
    private readonly HypergradientMethod<T> _method;
    private readonly HessianProduct<T> _smoothnessProduct;
    private readonly T[] _powerDirection, _powerProduct;   // the smoothness estimate's power iteration
    private readonly T[] _supportInputs, _supportTargets;  // a support set given as spans (adaptation without a task)

    internal TaskWorker(MetaProblem<T> problem, int maxSupport, int maxQuery, ITaskDistribution<T>? resampler)
    {
        _problem = problem;
        _maxSupport = maxSupport;
        _maxQuery = maxQuery;
        var inner = problem.Inner;
        if (inner.ResampleSupport && resampler is null)
            throw new ArgumentException("The resampling inner loop needs the task distribution to draw fresh support data.", nameof(resampler));
        resampler = inner.ResampleSupport ? resampler : null;
        var objective = problem.Objective;
        bool secondOrder = MethodCapabilities.UsesHessianVectorProducts((HypergradientMethod)problem.Method.Kind);
        _sets = new TaskSets<T>(objective.InputSize, objective.TargetSize, maxSupport, resampler is null ? 0 : inner.Steps);
        _loss = problem.HeadStartLayer() is int firstHeadLayer
            ? new HeadLoss<T>(_sets, problem.Network!, problem.Loss!, firstHeadLayer, maxSupport, maxQuery, secondOrder)
            : new ObjectiveLoss<T>(_sets, objective, Math.Max(maxSupport, maxQuery), secondOrder);
        var map = problem.Geometry.CreateMap(_loss.Offset, problem.Mask.Slice(_loss.Offset, _loss.Dimension));
        Random = new SeededRandom(0);
        _trajectory = new InnerTrajectory<T>(problem, inner.Steps, _loss, map, _sets, resampler, Random);
        _method = HypergradientMethod<T>.Create(problem.Method, _trajectory);
        // Gradient-only methods estimate L by differences of gradients, δ = 1e-3 along a unit direction.
        _smoothnessProduct = _method.Hessian ?? new FiniteDifferenceHessianProduct<T>(_loss.Dimension, 1e-3);
        _powerDirection = new T[_loss.Dimension];
        _powerProduct = new T[_loss.Dimension];
        _supportInputs = new T[maxSupport * objective.InputSize];
        _supportTargets = new T[maxSupport * objective.TargetSize];
    }

    /// <summary>The hypergradient method's engine.</summary>
    internal HypergradientMethod<T> Method => _method;

    /// <summary>Whether this worker adapts the head alone on body features computed once per task (ANIL specialisation).</summary>
    public bool IsHeadSpecialized => _loss is HeadLoss<T>;

    /// <summary>The stream this worker's randomness (resampling, ES directions) draws from; re-seed it per task.</summary>
    public SeededRandom Random { get; }

    /// <summary>The inner-loop iterate θⱼ of the last task (j = 0 … N).</summary>
    public ReadOnlySpan<T> Iterate(int step) => _trajectory.Iterate(step);

    /// <summary>The adapted parameters θ_N of the last task.</summary>
    public ReadOnlySpan<T> Adapted => _trajectory.Iterate(_trajectory.Steps);

    /// <summary>Checks a task's data against the objective, with errors that name the set and the sample.</summary>
    public void Validate(TaskData<T> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        _problem.Objective.Validate(task.SupportInputs, task.SupportTargets, "support");
        _problem.Objective.Validate(task.QueryInputs, task.QueryTargets, "query");
        if (task.SupportCount > _maxSupport || task.QueryCount > _maxQuery)
            throw new ArgumentException(
                $"The task has {task.SupportCount} support and {task.QueryCount} query samples; this worker was sized for {_maxSupport} and {_maxQuery}.", nameof(task));
    }

    /// <summary>Runs the N inner steps from the meta-parameters on the task's support set.</summary>
    public void Adapt(ReadOnlySpan<T> metaParameters, TaskData<T> task)
    {
        CheckMeta(metaParameters);
        ArgumentNullException.ThrowIfNull(task);
        _sets.Use(task);
        _trajectory.Run(metaParameters, task);
    }

    /// <summary>
    /// Runs the N inner steps on a support set alone (validated by the caller; no resampling, no query set), e.g. to
    /// adapt a learned model to a user's data. The set is copied into this worker's storage.
    /// </summary>
    public void Adapt(ReadOnlySpan<T> metaParameters, ReadOnlySpan<T> supportInputs, ReadOnlySpan<T> supportTargets)
    {
        CheckMeta(metaParameters);
        if (_problem.Inner.ResampleSupport) throw new InvalidOperationException("The resampling inner loop draws its support sets from a task distribution.");
        int count = supportInputs.Length / _problem.Objective.InputSize;
        if (count > _maxSupport || supportInputs.Length > _supportInputs.Length || supportTargets.Length > _supportTargets.Length)
            throw new ArgumentException($"The support set has {count} samples; this worker was sized for {_maxSupport}.", nameof(supportInputs));
        supportInputs.CopyTo(_supportInputs);
        supportTargets.CopyTo(_supportTargets);
        _sets.UseSupport(_supportInputs, _supportTargets, count);
        _trajectory.Run(metaParameters, task: null);
    }

    /// <summary>
    /// Adapts to the task, writes the task's meta-gradient (length <see cref="MetaProblem{T}.MetaParameterCount"/>)
    /// and returns the query loss after adaptation, L_Q(θ_N).
    /// </summary>
    public T MetaGradient(ReadOnlySpan<T> metaParameters, TaskData<T> task, Span<T> metaGradient)
    {
        if (metaGradient.Length != _problem.MetaParameterCount)
            throw new ArgumentException($"The meta-gradient needs {_problem.MetaParameterCount} values, got {metaGradient.Length}.", nameof(metaGradient));
        Adapt(metaParameters, task);
        T queryLoss = _method.MetaGradient(metaParameters, metaGradient);
        Span<T> grad = metaGradient.Slice(0, _problem.ParameterCount);
        _loss.CompleteOutside(grad);
        _trajectory.KeepMetaLearned(grad);
        return queryLoss;
    }

    /// <summary>
    /// Estimates the smoothness L of the task's support loss on the adapted subset: the largest |eigenvalue| of
    /// M∇²L_S(θ₀)M at the inner loop's starting point θ₀, by <paramref name="iterations"/> steps of power
    /// iteration from a Gaussian direction drawn from <see cref="Random"/> (re-seed it first for a reproducible
    /// estimate). Exact Hessian-vector products where the method has them, central differences of gradients
    /// otherwise. Uses only this worker's scratch buffers: the next <see cref="Adapt(ReadOnlySpan{T}, TaskData{T})"/> is unaffected.
    /// </summary>
    /// <remarks>
    /// ‖Hvₖ‖ with unit vₖ rises towards |λ_max| at the rate (|λ₂|/|λ_max|)ᵏ, so a few dozen iterations suffice
    /// unless the top eigenvalues nearly tie, where the estimate is a lower bound. The proximal term's λ is not
    /// included: L is the task loss's constant, as in the α·N·L ≤ c bound.
    /// </remarks>
    public double EstimateSmoothness(ReadOnlySpan<T> metaParameters, TaskData<T> task, int iterations)
    {
        CheckMeta(metaParameters);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(iterations);
        _sets.Use(task);
        _trajectory.Start(metaParameters);
        ReadOnlySpan<T> at = _trajectory.Point(0), mask = _trajectory.Mask;
        Span<T> v = _powerDirection, product = _powerProduct;
        // One draw per parameter of θ, kept on the window: the same direction whichever coordinates the loop moves.
        for (int i = 0, offset = _loss.Offset; i < _problem.ParameterCount; i++)
        {
            T draw = T.CreateTruncating(Random.NextGaussian());
            int k = i - offset;
            if (k >= 0 && k < v.Length) v[k] = mask[k] * draw;
        }
        T norm = TensorPrimitives.Norm<T>(v);
        if (norm == T.Zero) return 0;
        TensorPrimitives.Multiply(v, T.One / norm, v);
        double estimate = 0;
        for (int k = 0; k < iterations; k++)
        {
            _smoothnessProduct.Times(_loss, 0, at, v, product, default);
            TensorPrimitives.Multiply(product, mask, product);
            norm = TensorPrimitives.Norm<T>(product);
            estimate = double.CreateTruncating(norm);
            if (norm == T.Zero || !T.IsFinite(norm)) break;
            TensorPrimitives.Multiply(product, T.One / norm, v);
        }
        return estimate;
    }

    /// <summary>The support loss L_S(θⱼ) inner step j + 1 started from, in the last adaptation (j = 0 … N − 1).</summary>
    public T SupportLoss(int step) => _trajectory.SupportLoss(step);

    /// <summary>
    /// ‖M∇L_S‖ at the point inner step j + 1 started from, in the last adaptation (j = 0 … N − 1): the adapted subset's
    /// gradient norm (with the proximal term), the seed's "‖∇L‖ vs k" curve.
    /// </summary>
    public T SupportGradientNorm(int step) => _trajectory.SupportGradientNorm(step);

    /// <summary>The query loss after inner step j of the last adaptation (after <see cref="Adapt(ReadOnlySpan{T}, TaskData{T})"/>).</summary>
    public T QueryLoss(int step) => _loss.QueryLoss(_trajectory.Point(step));

    private void CheckMeta(ReadOnlySpan<T> metaParameters)
    {
        if (metaParameters.Length != _problem.MetaParameterCount)
            throw new ArgumentException($"Expected {_problem.MetaParameterCount} meta-parameters, got {metaParameters.Length}.", nameof(metaParameters));
    }
}
