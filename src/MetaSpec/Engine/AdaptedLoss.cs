using System.Numerics;
using MetaSpec.Meta;

namespace MetaSpec.Engine;

/// <summary>
/// A task's losses as functions of the coordinates the inner loop moves, a window of θ: the support loss of each
/// inner step and the query loss. The general form is the objective on all of θ (<see cref="ObjectiveLoss{T}"/>);
/// the ANIL specialisation is the head's loss on body features computed once per task (<see cref="HeadLoss{T}"/>).
/// The hypergradient methods see only this, so the same recursion runs on either.
/// </summary>
internal abstract class AdaptedLoss<T>(TaskSets<T> sets, int offset, int dimension) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The task's data sets.</summary>
    public TaskSets<T> Sets { get; } = sets;

    /// <summary>First coordinate of θ in the window.</summary>
    public int Offset { get; } = offset;

    /// <summary>Coordinates in the window.</summary>
    public int Dimension { get; } = dimension;

    /// <summary>Whether the exact Hessian-vector products are available (the workspaces carry tangents).</summary>
    public abstract bool HasHessianVectorProducts { get; }

    /// <summary>
    /// Starts a task whose inner loop begins at <paramref name="start"/> (all of θ₀, which stays unchanged until the
    /// task's meta-gradient is complete); e.g. computes the body's features.
    /// </summary>
    public virtual void Begin(ReadOnlyMemory<T> start) { }

    /// <summary>L_S of step <paramref name="step"/>'s support set at <paramref name="at"/> (window coordinates), writing its gradient.</summary>
    public abstract T SupportGradient(int step, ReadOnlySpan<T> at, Span<T> gradient);

    /// <summary>L_S, its gradient and the exact ∇²L_S·<paramref name="direction"/> on step <paramref name="step"/>'s support set.</summary>
    public abstract T SupportHessianTimes(int step, ReadOnlySpan<T> at, ReadOnlySpan<T> direction, Span<T> gradient, Span<T> product);

    /// <summary>L_Q at <paramref name="at"/>, writing its gradient.</summary>
    public abstract T QueryGradient(ReadOnlySpan<T> at, Span<T> gradient);

    /// <summary>L_Q at <paramref name="at"/>.</summary>
    public abstract T QueryLoss(ReadOnlySpan<T> at);

    /// <summary>
    /// Writes the meta-gradient of the coordinates outside the window into <paramref name="gradient"/> (all of θ's
    /// gradient), from what the query gradient and the Hessian-vector products since <see cref="Begin"/> left behind.
    /// The window covers all of θ in the general form, so there is nothing to write.
    /// </summary>
    public virtual void CompleteOutside(Span<T> gradient) { }
}

/// <summary>The general form: the objective's loss on all of θ.</summary>
internal sealed class ObjectiveLoss<T>(TaskSets<T> sets, IObjective<T> objective, int maxBatch, bool hessianVectorProducts)
    : AdaptedLoss<T>(sets, 0, objective.ParameterCount) where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IObjectiveEvaluator<T> _evaluator = objective.CreateEvaluator(maxBatch, hessianVectorProducts);

    public override bool HasHessianVectorProducts { get; } = hessianVectorProducts;

    public override T SupportGradient(int step, ReadOnlySpan<T> at, Span<T> gradient) =>
        _evaluator.Gradient(at, Sets.SupportInputs(step), Sets.SupportTargets(step), gradient);

    public override T SupportHessianTimes(int step, ReadOnlySpan<T> at, ReadOnlySpan<T> direction, Span<T> gradient, Span<T> product) =>
        _evaluator.HessianVectorProduct(at, direction, Sets.SupportInputs(step), Sets.SupportTargets(step), gradient, product);

    public override T QueryGradient(ReadOnlySpan<T> at, Span<T> gradient) =>
        _evaluator.Gradient(at, Sets.QueryInputs, Sets.QueryTargets, gradient);

    public override T QueryLoss(ReadOnlySpan<T> at) => _evaluator.Loss(at, Sets.QueryInputs, Sets.QueryTargets);
}
