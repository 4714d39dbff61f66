using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Tasks;

namespace MetaSpec.Meta;

/// <summary>
/// One thread's engine for single tasks: runs the inner loop and computes the task's meta-gradient
/// with the problem's hypergradient method. All buffers are allocated here, once; not thread-safe.
/// </summary>
/// <remarks>
/// Every method shares the one recursion of the design (DESIGN §4). With A = diag(α⊙M) and the
/// inner step θⱼ₊₁ = θⱼ − A(∇L_S(θⱼ) + λ(θⱼ − θ₀)), the adjoint a_N = ∇L_Q(θ_N) flows back as
/// aⱼ = aⱼ₊₁ − (∇²L_S(θⱼ) + λI)Aaⱼ₊₁ while the anchor θ₀ collects λΣAaⱼ₊₁, so ∇θ = a₀ + λΣAaⱼ₊₁,
/// and ∇α = −Σ M⊙(∇L_S(θⱼ) + λ(θⱼ − θ₀))⊙aⱼ₊₁. Only the iterates θⱼ are stored (N·|θ|);
/// activations are recomputed by each Hessian-vector product.
/// </remarks>
public sealed class TaskWorker<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly MetaProblem<T> _problem;
    private readonly IObjectiveEvaluator<T> _eval;
    private readonly ITaskDistribution<T>? _resampler;
    private readonly int _p, _steps, _maxSupport, _maxQuery;
    private readonly T _lambda;
    private readonly T[][] _iterates;            // θ₀ … θ_N
    private readonly T[] _step;                  // α⊙M for this task
    private readonly T[] _adjoint, _anchorAdjoint, _direction, _gradient, _product, _temp, _cgR, _cgP;
    private readonly T[][] _supportInputs, _supportTargets; // one draw per inner step when resampling
    private readonly T[] _notMask;
    private readonly HeadAdaptation<T>? _head;

    internal TaskWorker(MetaProblem<T> problem, int maxSupport, int maxQuery, ITaskDistribution<T>? resampler)
    {
        _problem = problem;
        _p = problem.ParameterCount;
        _steps = problem.Inner.Steps;
        _lambda = T.CreateTruncating(problem.Inner.Proximal);
        _maxSupport = maxSupport;
        _maxQuery = maxQuery;
        _eval = problem.Objective.CreateEvaluator(Math.Max(maxSupport, maxQuery), problem.Method.UsesHessianVectorProducts);
        if (problem.Inner.ResampleSupport && resampler is null)
            throw new ArgumentException("The resampling inner loop needs the task distribution to draw fresh support data.", nameof(resampler));
        _resampler = problem.Inner.ResampleSupport ? resampler : null;
        _iterates = new T[_steps + 1][];
        for (int j = 0; j <= _steps; j++) _iterates[j] = new T[_p];
        _step = new T[_p];
        _adjoint = new T[_p];
        _anchorAdjoint = new T[_p];
        _direction = new T[_p];
        _gradient = new T[_p];
        _product = new T[_p];
        _temp = new T[_p];
        _cgR = new T[_p];
        _cgP = new T[_p];
        _notMask = new T[_p];
        for (int i = 0; i < _p; i++) _notMask[i] = T.One - problem.Mask[i];
        int copies = _resampler is null ? 0 : _steps;
        _supportInputs = new T[copies][];
        _supportTargets = new T[copies][];
        for (int j = 0; j < copies; j++)
        {
            _supportInputs[j] = new T[maxSupport * problem.Objective.InputSize];
            _supportTargets[j] = new T[maxSupport * problem.Objective.TargetSize];
        }
        Random = new SeededRandom(0);
        if (problem.HeadStartLayer() is int firstHeadLayer)
            _head = new HeadAdaptation<T>((NetworkObjective<T>)problem.Objective, problem.Inner, firstHeadLayer, maxSupport, maxQuery, problem.Method.UsesHessianVectorProducts);
    }

    /// <summary>Whether this worker adapts the head alone on body features computed once per task (ANIL specialisation).</summary>
    public bool IsHeadSpecialized => _head is not null;

    /// <summary>The stream this worker's randomness (resampling, ES directions) draws from; re-seed it per task.</summary>
    public SeededRandom Random { get; }

    /// <summary>The inner-loop iterate θⱼ of the last task (j = 0 … N).</summary>
    public ReadOnlySpan<T> Iterate(int step) => _iterates[step];

    /// <summary>The adapted parameters θ_N of the last task.</summary>
    public ReadOnlySpan<T> Adapted => _iterates[_steps];

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
        PrepareStep(metaParameters);
        Span<T> start = _iterates[0];
        metaParameters.Slice(0, _p).CopyTo(start);
        if (_problem.Inner.ResetAdaptedToZero) TensorPrimitives.Multiply(start, _notMask, start);
        if (_head is not null)
        {
            _head.Adapt(_step, _iterates, task);
            return;
        }
        for (int j = 0; j < _steps; j++)
        {
            if (_resampler is not null)
            {
                if (j > 0) _resampler.ResampleSupport(Random, task);
                task.SupportInputs.CopyTo(_supportInputs[j], 0);
                task.SupportTargets.CopyTo(_supportTargets[j], 0);
            }
            InnerStep(j, _iterates[j], _iterates[j + 1], start, task);
        }
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
        Span<T> grad = metaGradient.Slice(0, _p);
        if (_head is not null)
        {
            T loss = _head.MetaGradient(_problem.Method.Kind, _step, _iterates, task, metaGradient);
            if (_problem.Inner.ResetAdaptedToZero) TensorPrimitives.Multiply(grad, _notMask, grad);
            return loss;
        }
        T queryLoss = _eval.Gradient(Adapted, task.QueryInputs, task.QueryTargets, _adjoint);
        switch (_problem.Method.Kind)
        {
            case HypergradientKind.FirstOrder:
                _adjoint.CopyTo(grad);
                break;
            case HypergradientKind.Reptile:
                TensorPrimitives.Subtract(_iterates[0], Adapted, grad);
                break;
            case HypergradientKind.Unrolled:
            case HypergradientKind.HessianFree:
                Unroll(task, metaParameters, metaGradient);
                break;
            case HypergradientKind.Implicit:
                Implicit(task, grad);
                break;
            case HypergradientKind.EvolutionStrategies:
                EvolutionStrategies(metaParameters, task, grad);
                break;
            default:
                throw new InvalidOperationException($"Unknown hypergradient method {_problem.Method.Kind}.");
        }
        // A re-solved head starts from zero, not from θ: it is not meta-learned.
        if (_problem.Inner.ResetAdaptedToZero) TensorPrimitives.Multiply(grad, _notMask, grad);
        return queryLoss;
    }

    /// <summary>
    /// Estimates the smoothness L of the task's support loss on the adapted subset: the largest |eigenvalue| of
    /// M∇²L_S(θ₀)M at the inner loop's starting point θ₀, by <paramref name="iterations"/> steps of power
    /// iteration from a Gaussian direction drawn from <see cref="Random"/> (re-seed it first for a reproducible
    /// estimate). Exact Hessian-vector products where the method has them, central differences of gradients
    /// otherwise. Uses only this worker's scratch buffers: the next <see cref="Adapt"/> is unaffected.
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
        Span<T> at = _iterates[0], v = _direction, product = _product;
        metaParameters.Slice(0, _p).CopyTo(at);
        if (_problem.Inner.ResetAdaptedToZero) TensorPrimitives.Multiply(at, _notMask, at);
        for (int i = 0; i < _p; i++) v[i] = _problem.Mask[i] * T.CreateTruncating(Random.NextGaussian());
        T norm = TensorPrimitives.Norm<T>(v);
        if (norm == T.Zero) return 0;
        TensorPrimitives.Multiply(v, T.One / norm, v);
        double estimate = 0;
        for (int k = 0; k < iterations; k++)
        {
            SupportHessianTimes(at, v, task, product);
            TensorPrimitives.Multiply(product, _problem.Mask, product);
            norm = TensorPrimitives.Norm<T>(product);
            estimate = double.CreateTruncating(norm);
            if (norm == T.Zero || !T.IsFinite(norm)) break;
            TensorPrimitives.Multiply(product, T.One / norm, v);
        }
        return estimate;
    }

    /// <summary><paramref name="product"/> = ∇²L_S(θ)·v on the task's own support set, for a unit <paramref name="v"/>.</summary>
    private void SupportHessianTimes(ReadOnlySpan<T> at, ReadOnlySpan<T> v, TaskData<T> task, Span<T> product)
    {
        if (_problem.Method.UsesHessianVectorProducts)
        {
            _eval.HessianVectorProduct(at, v, task.SupportInputs, task.SupportTargets, _gradient, product);
            return;
        }
        // Gradient-only evaluators (first-order and Hessian-free methods): H·v ≈ (∇L(θ + δv) − ∇L(θ − δv))/(2δ).
        T delta = T.CreateTruncating(_problem.Method.Kind == HypergradientKind.HessianFree ? _problem.Method.FiniteDifferenceStep : 1e-3);
        TensorPrimitives.MultiplyAdd(v, delta, at, _cgR);
        _eval.Gradient(_cgR, task.SupportInputs, task.SupportTargets, product);
        TensorPrimitives.MultiplyAdd(v, -delta, at, _cgR);
        _eval.Gradient(_cgR, task.SupportInputs, task.SupportTargets, _cgP);
        TensorPrimitives.Subtract(product, _cgP, product);
        TensorPrimitives.Multiply(product, T.One / (delta + delta), product);
    }

    /// <summary>The query loss at inner step j of the last adaptation (after <see cref="Adapt"/>).</summary>
    public T QueryLoss(int step, TaskData<T> task) => _eval.Loss(_iterates[step], task.QueryInputs, task.QueryTargets);

    private void CheckMeta(ReadOnlySpan<T> metaParameters)
    {
        if (metaParameters.Length != _problem.MetaParameterCount)
            throw new ArgumentException($"Expected {_problem.MetaParameterCount} meta-parameters, got {metaParameters.Length}.", nameof(metaParameters));
    }

    private void PrepareStep(ReadOnlySpan<T> metaParameters)
    {
        if (_problem.Inner.LearnStepSizes)
            TensorPrimitives.Multiply(metaParameters.Slice(_p, _p), _problem.Mask, _step);
        else
            TensorPrimitives.Multiply(_problem.Mask, T.CreateTruncating(_problem.Inner.StepSize), _step);
    }

    private ReadOnlySpan<T> SupportInputs(int step, TaskData<T> task) => _resampler is null ? task.SupportInputs : _supportInputs[step];
    private ReadOnlySpan<T> SupportTargets(int step, TaskData<T> task) => _resampler is null ? task.SupportTargets : _supportTargets[step];

    /// <summary>next = θⱼ − α⊙M⊙(∇L_S(θⱼ) + λ(θⱼ − θ₀)); leaves that inner gradient in <c>_gradient</c>.</summary>
    private void InnerStep(int j, ReadOnlySpan<T> current, Span<T> next, ReadOnlySpan<T> anchor, TaskData<T> task)
    {
        _eval.Gradient(current, SupportInputs(j, task), SupportTargets(j, task), _gradient);
        AddProximal(_gradient, current, anchor);
        TensorPrimitives.Multiply(_step, _gradient, _temp);
        TensorPrimitives.Subtract(current, _temp, next);
    }

    private void AddProximal(Span<T> gradient, ReadOnlySpan<T> current, ReadOnlySpan<T> anchor)
    {
        if (_lambda == T.Zero) return;
        for (int i = 0; i < gradient.Length; i++) gradient[i] += _lambda * (current[i] - anchor[i]);
    }

    /// <summary>Backpropagation through the inner steps (Unrolled exact, HessianFree by differences).</summary>
    private void Unroll(TaskData<T> task, ReadOnlySpan<T> metaParameters, Span<T> metaGradient)
    {
        bool learnAlpha = _problem.Inner.LearnStepSizes;
        Span<T> alphaGrad = learnAlpha ? metaGradient.Slice(_p, _p) : default;
        if (learnAlpha) alphaGrad.Clear();
        _anchorAdjoint.AsSpan().Clear();
        ReadOnlySpan<T> anchor = _iterates[0];
        for (int j = _steps - 1; j >= 0; j--)
        {
            // w = A·aⱼ₊₁
            TensorPrimitives.Multiply(_step, _adjoint, _direction);
            HessianTimes(j, task, _iterates[j], _direction, needGradient: learnAlpha);
            if (learnAlpha)
            {
                // ∇α −= M⊙(∇L_S(θⱼ) + λ(θⱼ − θ₀))⊙aⱼ₊₁
                AddProximal(_gradient, _iterates[j], anchor);
                for (int i = 0; i < _p; i++) alphaGrad[i] -= _problem.Mask[i] * _gradient[i] * _adjoint[i];
            }
            // aⱼ = aⱼ₊₁ − H·w − λw;  anchor += λw
            TensorPrimitives.Subtract(_adjoint, _product, _adjoint);
            if (_lambda != T.Zero)
            {
                TensorPrimitives.MultiplyAdd(_direction, -_lambda, _adjoint, _adjoint);
                TensorPrimitives.MultiplyAdd(_direction, _lambda, _anchorAdjoint, _anchorAdjoint);
            }
        }
        TensorPrimitives.Add(_adjoint, _anchorAdjoint, metaGradient.Slice(0, _p));
    }

    /// <summary>
    /// <c>_product</c> = ∇²L_S(θⱼ)·v on step j's support set, exactly or (HessianFree) by central differences
    /// of gradients along v/‖v‖; with <paramref name="needGradient"/>, <c>_gradient</c> = ∇L_S(θⱼ) too.
    /// </summary>
    private void HessianTimes(int j, TaskData<T> task, ReadOnlySpan<T> at, ReadOnlySpan<T> v, bool needGradient)
    {
        ReadOnlySpan<T> x = SupportInputs(j, task), y = SupportTargets(j, task);
        if (_problem.Method.Kind != HypergradientKind.HessianFree)
        {
            _eval.HessianVectorProduct(at, v, x, y, _gradient, _product);
            return;
        }
        T norm = TensorPrimitives.Norm(v);
        if (norm == T.Zero)
        {
            _product.AsSpan().Clear();
        }
        else
        {
            // H·v ≈ ‖v‖·(∇L(θ + δv̂) − ∇L(θ − δv̂))/(2δ): the unit direction keeps δ meaningful whatever ‖v‖ is.
            T delta = T.CreateTruncating(_problem.Method.FiniteDifferenceStep);
            T scale = delta / norm;
            TensorPrimitives.MultiplyAdd(v, scale, at, _cgR);
            _eval.Gradient(_cgR, x, y, _product);
            TensorPrimitives.MultiplyAdd(v, -scale, at, _cgR);
            _eval.Gradient(_cgR, x, y, _cgP);
            TensorPrimitives.Subtract(_product, _cgP, _product);
            TensorPrimitives.Multiply(_product, norm / (delta + delta), _product);
        }
        if (needGradient) _eval.Gradient(at, x, y, _gradient);
    }

    /// <summary>
    /// Implicit differentiation at φ = θ_N (iMAML; AID for a re-solved head). With q = ∇L_Q(φ), solve
    /// (H_MM + λI)w = q_M on the adapted subset; then ∇θ_M = λw (the proximal anchor's sensitivity) and
    /// ∇θ_rest = q_rest − (H·w)_rest, the mixed second derivative through the subset.
    /// </summary>
    private void Implicit(TaskData<T> task, Span<T> grad)
    {
        ReadOnlySpan<T> mask = _problem.Mask;
        Span<T> q = _anchorAdjoint; // q = ∇L_Q(φ), kept while the solver reuses _adjoint
        _adjoint.CopyTo(q);
        Span<T> w = _adjoint;
        TensorPrimitives.Multiply(q, mask, _temp); // b = q_M
        if (_problem.Method.Solver == ImplicitSolver.ConjugateGradient) ConjugateGradient(task, _temp, w);
        else Neumann(task, _temp, w);

        // H·w for the cross term, w already lives on the subset.
        HessianTimes(0, task, Adapted, w, needGradient: false);
        for (int i = 0; i < _p; i++)
            grad[i] = mask[i] * (_lambda * w[i]) + (T.One - mask[i]) * (q[i] - _product[i]);
    }

    /// <summary>op(x) = M⊙(∇²L_S(φ)·x) + λx for x on the adapted subset; result in <paramref name="result"/>.</summary>
    private void SubsetOperator(TaskData<T> task, ReadOnlySpan<T> x, Span<T> result)
    {
        HessianTimes(0, task, Adapted, x, needGradient: false);
        TensorPrimitives.Multiply(_product, _problem.Mask, result);
        TensorPrimitives.MultiplyAdd(x, _lambda, result, result);
    }

    private void ConjugateGradient(TaskData<T> task, ReadOnlySpan<T> b, Span<T> x)
    {
        x.Clear();
        b.CopyTo(_cgR);
        b.CopyTo(_cgP);
        T rs = TensorPrimitives.Dot<T>(_cgR, _cgR);
        T stop = rs * T.CreateTruncating(1e-24);
        for (int it = 0; it < _problem.Method.Iterations && rs > stop; it++)
        {
            SubsetOperator(task, _cgP, _direction); // Ap
            T pAp = TensorPrimitives.Dot<T>(_cgP, _direction);
            if (pAp <= T.Zero) break; // not positive definite along p: stop with the current estimate
            T step = rs / pAp;
            TensorPrimitives.MultiplyAdd(_cgP, step, x, x);
            TensorPrimitives.MultiplyAdd(_direction, -step, _cgR, _cgR);
            T rsNext = TensorPrimitives.Dot<T>(_cgR, _cgR);
            TensorPrimitives.MultiplyAdd(_cgP, rsNext / rs, _cgR, _cgP);
            rs = rsNext;
        }
    }

    private void Neumann(TaskData<T> task, ReadOnlySpan<T> b, Span<T> x)
    {
        double eta = _problem.Method.NeumannStep > 0 ? _problem.Method.NeumannStep : 1.0 / _problem.Inner.Proximal;
        T step = T.CreateTruncating(eta);
        // x = η Σ_{i=0}^{K} (I − η·op)ⁱ b, accumulating the term pᵢ = (I − η·op)pᵢ₋₁.
        b.CopyTo(_cgP);
        b.CopyTo(x);
        for (int i = 0; i < _problem.Method.Iterations; i++)
        {
            SubsetOperator(task, _cgP, _direction);
            TensorPrimitives.MultiplyAdd(_direction, -step, _cgP, _cgP);
            TensorPrimitives.Add(x, _cgP, x);
        }
        TensorPrimitives.Multiply(x, step, x);
    }

    /// <summary>
    /// ESJ: the Jacobian of the adapted subset of θ_N is probed along Gaussian directions z,
    /// J_M·z ≈ (θ_N,M(θ + βz) − θ_N,M(θ))/β, giving ∇θ ≈ q_rest + (1/Q)Σ z⟨J_M·z, q_M⟩.
    /// With a re-solved head, z moves only the meta-learned rest.
    /// </summary>
    private void EvolutionStrategies(ReadOnlySpan<T> metaParameters, TaskData<T> task, Span<T> grad)
    {
        ReadOnlySpan<T> mask = _problem.Mask;
        Span<T> q = _anchorAdjoint;
        _adjoint.CopyTo(q);
        Span<T> estimate = _cgR;
        estimate.Clear();
        T beta = T.CreateTruncating(_problem.Method.Smoothing);
        bool reset = _problem.Inner.ResetAdaptedToZero;
        int directions = _problem.Method.Directions;
        Span<T> z = _cgP, start = _direction, current = _product, next = _adjoint;
        for (int d = 0; d < directions; d++)
        {
            for (int i = 0; i < _p; i++)
                z[i] = reset && mask[i] != T.Zero ? T.Zero : T.CreateTruncating(Random.NextGaussian());
            // Rerun the inner loop from θ + βz on the same support draws.
            TensorPrimitives.MultiplyAdd(z, beta, metaParameters.Slice(0, _p), start);
            if (reset) TensorPrimitives.Multiply(start, _notMask, start);
            start.CopyTo(current);
            for (int j = 0; j < _steps; j++)
            {
                InnerStep(j, current, next, start, task);
                next.CopyTo(current);
            }
            T s = T.Zero;
            for (int i = 0; i < _p; i++) s += mask[i] * (current[i] - _iterates[_steps][i]) * q[i];
            TensorPrimitives.MultiplyAdd(z, s / beta, estimate, estimate);
        }
        T inv = T.One / T.CreateTruncating(directions);
        for (int i = 0; i < _p; i++) grad[i] = (T.One - mask[i]) * q[i] + estimate[i] * inv;
    }
}
