using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Layers;

namespace MetaSpec.Engine;

/// <summary>
/// P = diag(α ⊙ M): one step size for every parameter, masked to the adapted subset. Fixed (α everywhere) or
/// learned (Meta-SGD, Li et al. 2017: θ_P = α, one per parameter of θ, stored after θ as <c>step_size.*</c>).
/// </summary>
internal sealed class DiagonalGeometry<T>(int parameterCount, double stepSize, bool learned) : InnerGeometry<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override int MetaParameterCount => learned ? parameterCount : 0;

    /// <summary>Meta-SGD's step sizes are named after their parameters: <c>step_size.hidden1.weight</c>.</summary>
    public override IEnumerable<ParameterTensor> Tensors(IReadOnlyList<ParameterTensor> parameterTensors, int parameterCount) =>
        learned ? parameterTensors.Select(t => t with { Name = "step_size." + t.Name, Offset = parameterCount + t.Offset }) : [];

    /// <inheritdoc/>
    public override void Initialize(Span<T> geometryParameters, int seed) => geometryParameters.Fill(T.CreateTruncating(stepSize));

    /// <summary>1 for a fixed step; the largest learned step size relative to α for Meta-SGD (‖diag(s)‖₂ = max|sᵢ|).</summary>
    public override double NormBound(ReadOnlySpan<T> metaParameters, int parameterCount) =>
        learned ? double.CreateTruncating(TensorPrimitives.MaxMagnitude(metaParameters.Slice(parameterCount, parameterCount)) / T.CreateTruncating(stepSize)) : 1;

    /// <inheritdoc/>
    public override StepMap<T> CreateMap(int offset, ReadOnlySpan<T> mask) =>
        new Map(parameterCount, offset, mask, learned ? null : T.CreateTruncating(stepSize));

    private sealed class Map : StepMap<T>
    {
        private readonly int _parameterCount;
        private readonly int _stepSizesAt;   // where this window's α lives in the meta-parameters
        private readonly T[] _mask;          // M over the window
        private readonly T[] _step;          // α ⊙ M over the window
        private readonly bool _learned;

        public Map(int parameterCount, int offset, ReadOnlySpan<T> mask, T? fixedStep)
        {
            _parameterCount = parameterCount;
            _stepSizesAt = parameterCount + offset;
            _mask = mask.ToArray();
            _step = new T[mask.Length];
            _learned = fixedStep is null;
            if (fixedStep is T alpha) TensorPrimitives.Multiply(_mask, alpha, _step);
        }

        public override bool HasMetaParameters => _learned;

        public override void Prepare(ReadOnlySpan<T> metaParameters)
        {
            if (_learned) TensorPrimitives.Multiply(metaParameters.Slice(_stepSizesAt, _step.Length), _mask, _step);
        }

        public override void Apply(ReadOnlySpan<T> gradient, Span<T> update) => TensorPrimitives.Multiply(_step, gradient, update);

        public override void ApplyTranspose(ReadOnlySpan<T> adjoint, Span<T> direction) => TensorPrimitives.Multiply(_step, adjoint, direction);

        public override void ClearMetaGradient(Span<T> metaGradient)
        {
            // α covers all of θ; a window's map (the head's) clears all of it, so the rest's step sizes get zero.
            if (_learned) metaGradient.Slice(_parameterCount, _parameterCount).Clear();
        }

        public override void AccumulateMetaGradient(ReadOnlySpan<T> gradient, ReadOnlySpan<T> adjoint, Span<T> metaGradient)
        {
            // ∂(α⊙M⊙g)/∂α = diag(M⊙g), so ∇α −= M ⊙ g ⊙ a.
            Span<T> alpha = metaGradient.Slice(_stepSizesAt, _step.Length);
            for (int i = 0; i < alpha.Length; i++) alpha[i] -= _mask[i] * gradient[i] * adjoint[i];
        }
    }
}
