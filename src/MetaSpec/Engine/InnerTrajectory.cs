using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Meta;
using MetaSpec.Tasks;

namespace MetaSpec.Engine;

/// <summary>
/// One task's inner loop: the iterates θ₀ … θ_N, the support draw of every step (resampling), and the step
/// θⱼ₊₁ = θⱼ − P·(∇L_S(θⱼ) + λ(θⱼ − θ₀)) with P from the problem's geometry. The loop moves a window of θ (all of
/// it, or the head for the ANIL specialisation): the hypergradient methods read the window's coordinates through
/// <see cref="Point"/> and the losses through <see cref="Loss"/>, so they run unchanged on either.
/// </summary>
/// <remarks>
/// With mirror descent the loop moves a state zⱼ (<see cref="State"/>) and the losses see the point φⱼ = G(zⱼ)
/// (<see cref="Point"/>): zⱼ₊₁ = zⱼ − P·∇L_S(φⱼ). For the linear geometries the state is the point.
/// </remarks>
internal sealed class InnerTrajectory<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly TaskSets<T> _sets;
    private readonly ITaskDistribution<T>? _resampler;
    private readonly int _parameterCount;
    private readonly T[][] _iterates;       // θ₀ … θ_N, all of θ (outside the window they equal θ₀)
    private readonly T[] _mask;             // M over the window
    private readonly T[] _keep;             // 1 − M over all of θ: zeroes the adapted subset of a re-solved start
    private readonly bool _resetAdapted;
    private readonly T[] _stepGradient;     // ∇L_S(θⱼ) + λ(θⱼ − θ₀) of the step being taken
    private readonly T[] _stepUpdate;       // P·(that gradient)
    private readonly T[] _supportLosses;    // L_S(θⱼ) of the last run, j = 0 … N − 1
    private readonly T[] _gradientNorms;    // ‖M(∇L_S(θⱼ) + λ(θⱼ − θ₀))‖ of the last run
    private readonly T[][] _states;         // mirror descent: z₀ … z_N over the window; empty otherwise
    private readonly T[][] _stepGradients;  // a learned P: gⱼ of every step, which first order's θ_P gradient needs; empty otherwise

    public InnerTrajectory(MetaProblem<T> problem, int steps, AdaptedLoss<T> loss, StepMap<T> map, TaskSets<T> sets,
        ITaskDistribution<T>? resampler, SeededRandom random)
    {
        _parameterCount = problem.ParameterCount;
        Steps = steps;
        Loss = loss;
        Map = map;
        _sets = sets;
        _resampler = resampler;
        Random = random;
        Lambda = T.CreateTruncating(problem.Inner.Proximal);
        _resetAdapted = problem.Inner.ResetAdaptedToZero;
        _iterates = new T[steps + 1][];
        for (int j = 0; j <= steps; j++) _iterates[j] = new T[_parameterCount];
        _mask = problem.Mask.Slice(loss.Offset, loss.Dimension).ToArray();
        _keep = new T[_parameterCount];
        for (int i = 0; i < _parameterCount; i++) _keep[i] = T.One - problem.Mask[i];
        _stepGradient = new T[loss.Dimension];
        _stepUpdate = new T[loss.Dimension];
        _supportLosses = new T[steps];
        _gradientNorms = new T[steps];
        _states = NewArrays(map.HasPointMap ? steps + 1 : 0, loss.Dimension);
        _stepGradients = NewArrays(map.LearnsStep ? steps : 0, loss.Dimension);
    }

    private static T[][] NewArrays(int count, int length)
    {
        var arrays = new T[count][];
        for (int j = 0; j < count; j++) arrays[j] = new T[length];
        return arrays;
    }

    /// <summary>Inner steps N.</summary>
    public int Steps { get; }

    /// <summary>The losses on the window's coordinates.</summary>
    public AdaptedLoss<T> Loss { get; }

    /// <summary>The step's geometry P over the window.</summary>
    public StepMap<T> Map { get; }

    /// <summary>λ of the proximal term.</summary>
    public T Lambda { get; }

    /// <summary>The stream resampling and the methods' own randomness (ES directions) draw from.</summary>
    public SeededRandom Random { get; }

    /// <summary>The adapted mask over the window.</summary>
    public ReadOnlySpan<T> Mask => _mask;

    /// <summary>Coordinates in the window.</summary>
    public int Dimension => Loss.Dimension;

    /// <summary>θⱼ, all of θ.</summary>
    public ReadOnlySpan<T> Iterate(int step) => _iterates[step];

    /// <summary>θⱼ's coordinates in the window: the point the losses see (φⱼ = G(zⱼ) for mirror descent).</summary>
    public ReadOnlySpan<T> Point(int step) => _iterates[step].AsSpan(Loss.Offset, Loss.Dimension);

    /// <summary>The state the loop moves at step j, over the window: zⱼ for mirror descent, the point otherwise.</summary>
    public ReadOnlySpan<T> State(int step) => Map.HasPointMap ? _states[step] : Point(step);

    /// <summary>Step j's inner gradient ∇L_S(θⱼ) + λ(θⱼ − θ₀) on the window, kept when P is learned (for first order's θ_P gradient).</summary>
    public ReadOnlySpan<T> StepGradient(int step) => _stepGradients[step];

    /// <summary>The window's part of a vector over all of θ (a meta-gradient's θ part).</summary>
    public Span<T> Window(Span<T> overTheta) => overTheta.Slice(Loss.Offset, Loss.Dimension);

    /// <summary>The window's part of a read-only vector over θ.</summary>
    public ReadOnlySpan<T> Window(ReadOnlySpan<T> overTheta) => overTheta.Slice(Loss.Offset, Loss.Dimension);

    /// <summary>L_S(θⱼ) on step j's support set, from the last <see cref="Run"/>.</summary>
    public T SupportLoss(int step) => _supportLosses[step];

    /// <summary>‖M∇L_S(θⱼ)‖ (with the proximal term) on step j's support set, the adapted subset's gradient, from the last <see cref="Run"/>.</summary>
    public T SupportGradientNorm(int step) => _gradientNorms[step];

    /// <summary>
    /// Sets θ₀ from the meta-parameters (its adapted subset zeroed for a re-solved head), reads the geometry's θ_P and
    /// starts the task's losses there.
    /// </summary>
    public void Start(ReadOnlySpan<T> metaParameters)
    {
        Span<T> start = _iterates[0];
        metaParameters.Slice(0, _parameterCount).CopyTo(start);
        if (_resetAdapted) TensorPrimitives.Multiply(start, _keep, start);
        Map.Prepare(metaParameters);
        if (Map.HasPointMap)
        {
            // θ holds z₀; the point φ₀ = G(z₀) replaces it in the iterate the losses read.
            Window(start).CopyTo(_states[0]);
            Map.Point(_states[0], Window(start));
        }
        Loss.Begin(_iterates[0]);
    }

    /// <summary>Whether the adapted subset starts from zero for every task (a re-solved head) rather than from θ.</summary>
    public bool ResetsAdapted => _resetAdapted;

    /// <summary>Zeroes the adapted subset of a meta-gradient over θ when that subset is re-solved from zero: it is not meta-learned.</summary>
    public void KeepMetaLearned(Span<T> gradient)
    {
        if (_resetAdapted) TensorPrimitives.Multiply(gradient, _keep, gradient);
    }

    /// <summary>Zeroes the adapted subset of a starting point (window coordinates) when the problem re-solves it from zero.</summary>
    public void ResetAdapted(Span<T> start)
    {
        if (_resetAdapted) TensorPrimitives.Multiply(start, _keep.AsSpan(Loss.Offset, Loss.Dimension), start);
    }

    /// <summary>
    /// Runs the N steps from the meta-parameters. With the resampling inner loop, <paramref name="task"/>'s support
    /// set is redrawn before every step after the first, and each draw is kept for the backward pass.
    /// </summary>
    public void Run(ReadOnlySpan<T> metaParameters, TaskData<T>? task)
    {
        Start(metaParameters);
        int outside = _parameterCount - Loss.Dimension;
        for (int j = 0; j < Steps; j++)
        {
            if (_resampler is not null)
            {
                if (j > 0) _resampler.ResampleSupport(Random, task!);
                _sets.KeepDraw(j, task!);
            }
            if (outside > 0) CopyOutside(_iterates[0], _iterates[j + 1]);
            Span<T> next = _iterates[j + 1].AsSpan(Loss.Offset, Loss.Dimension);
            if (Map.HasPointMap)
            {
                _supportLosses[j] = Step(j, _states[j], Point(j), _states[j + 1], Point(0));
                Map.Point(_states[j + 1], next);
            }
            else
            {
                _supportLosses[j] = Step(j, Point(j), Point(j), next, Point(0));
            }
            _gradientNorms[j] = AdaptedNorm(_stepGradient);
            if (Map.LearnsStep) _stepGradient.CopyTo(_stepGradients[j], 0);
        }
    }

    /// <summary>
    /// Runs the N steps again from <paramref name="start"/> (window coordinates) on the same support draws, leaving
    /// the end point in <paramref name="current"/>; <paramref name="next"/> is the caller's scratch.
    /// </summary>
    public void Replay(ReadOnlySpan<T> start, Span<T> current, Span<T> next)
    {
        // ES perturbs θ alone; the rules refuse it with a learned geometry (MSPEC014), so the state is the point here.
        if (Map.HasPointMap) throw new InvalidOperationException("Replays run on linear geometries only.");
        start.CopyTo(current);
        for (int j = 0; j < Steps; j++)
        {
            Step(j, current, current, next, start);
            next.CopyTo(current);
        }
    }

    /// <summary>gradient += λ(θ − θ₀): the proximal term's share of the inner gradient.</summary>
    public void AddProximal(Span<T> gradient, ReadOnlySpan<T> current, ReadOnlySpan<T> anchor)
    {
        if (Lambda == T.Zero) return;
        for (int i = 0; i < gradient.Length; i++) gradient[i] += Lambda * (current[i] - anchor[i]);
    }

    /// <summary>
    /// nextState = state − P·(∇L_S(point) + λ(point − anchor)) on step j's support set (the state is the point for the linear
    /// geometries); returns L_S(point).
    /// </summary>
    private T Step(int j, ReadOnlySpan<T> state, ReadOnlySpan<T> point, Span<T> nextState, ReadOnlySpan<T> anchor)
    {
        T loss = Loss.SupportGradient(j, point, _stepGradient);
        AddProximal(_stepGradient, point, anchor);
        Map.Apply(_stepGradient, _stepUpdate);
        TensorPrimitives.Subtract(state, _stepUpdate, nextState);
        return loss;
    }

    private T AdaptedNorm(ReadOnlySpan<T> gradient)
    {
        T sum = T.Zero;
        for (int i = 0; i < gradient.Length; i++) sum += _mask[i] * gradient[i] * gradient[i];
        return T.Sqrt(sum);
    }

    private void CopyOutside(ReadOnlySpan<T> from, Span<T> to)
    {
        from.Slice(0, Loss.Offset).CopyTo(to);
        int end = Loss.Offset + Loss.Dimension;
        from.Slice(end).CopyTo(to.Slice(end));
    }
}
