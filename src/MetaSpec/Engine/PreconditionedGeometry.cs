using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Geometry;
using MetaSpec.Layers;

namespace MetaSpec.Engine;

/// <summary>
/// A learned linear preconditioner: θⱼ₊₁ = θⱼ − α·P(θ_P)·g with P block diagonal over the adapted tensors
/// (<see cref="FactoredPreconditioner{T}"/>: block-diagonal, MT-net style, or Kronecker-factored, Meta-Curvature style).
/// θ_P is stored after θ under the preconditioner's names (<c>geometry.conv2.weight.output</c>, …), initialised to I.
/// </summary>
internal sealed class PreconditionedGeometry<T>(FactoredPreconditioner<T> preconditioner, double stepSize) : InnerGeometry<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override int MetaParameterCount => preconditioner.ParameterCount;

    /// <inheritdoc/>
    public override IEnumerable<ParameterTensor> Tensors(IReadOnlyList<ParameterTensor> parameterTensors, int parameterCount) =>
        preconditioner.Tensors.Select(t => t with { Offset = parameterCount + t.Offset });

    /// <inheritdoc/>
    public override void Initialize(Span<T> geometryParameters, int seed) => preconditioner.Initialize(geometryParameters);

    /// <inheritdoc/>
    public override double NormBound(ReadOnlySpan<T> metaParameters, int parameterCount) =>
        preconditioner.NormBound(metaParameters.Slice(parameterCount, preconditioner.ParameterCount));

    /// <inheritdoc/>
    public override StepMap<T> CreateMap(int offset, ReadOnlySpan<T> mask)
    {
        // The window's own preconditioner: the same blocks, at offsets inside the window (θ_P's layout does not change).
        var blocks = preconditioner.Blocks.Select(b => b with { Offset = b.Offset - offset }).ToArray();
        int length = mask.Length;
        if (blocks.Any(b => b.Offset < 0 || b.End > length))
            throw new InvalidOperationException("The inner loop's window does not hold every adapted tensor.");
        var window = preconditioner.IsKronecker
            ? FactoredPreconditioner<T>.Kronecker(mask.Length, blocks)
            : FactoredPreconditioner<T>.BlockDiagonal(mask.Length, blocks);
        return new Map(window, T.CreateTruncating(stepSize));
    }

    private sealed class Map(FactoredPreconditioner<T> preconditioner, T alpha) : StepMap<T>
    {
        private readonly T[] _parameters = new T[preconditioner.ParameterCount];   // θ_P of the current task
        private readonly T[] _scratch = new T[preconditioner.ScratchLength];

        public override bool HasMetaParameters => true;

        // θ_P is the last part of the meta-parameters (and of the meta-gradient), whichever window the map moves.
        private int At(int length) => length - _parameters.Length;

        public override void Prepare(ReadOnlySpan<T> metaParameters) => metaParameters.Slice(At(metaParameters.Length)).CopyTo(_parameters);

        public override void Apply(ReadOnlySpan<T> gradient, Span<T> update)
        {
            preconditioner.Apply(_parameters, gradient, update, _scratch);
            TensorPrimitives.Multiply(update, alpha, update);
        }

        public override void ApplyTranspose(ReadOnlySpan<T> adjoint, Span<T> direction)
        {
            preconditioner.ApplyTranspose(_parameters, adjoint, direction, _scratch);
            TensorPrimitives.Multiply(direction, alpha, direction);
        }

        public override void ClearMetaGradient(Span<T> metaGradient) => metaGradient.Slice(At(metaGradient.Length)).Clear();

        // −(∂(αP·g)/∂θ_P)ᵀ·a = −α·∂⟨a, P g⟩/∂θ_P.
        public override void AccumulateMetaGradient(ReadOnlySpan<T> gradient, ReadOnlySpan<T> adjoint, Span<T> metaGradient) =>
            preconditioner.AccumulateParameterGradient(_parameters, adjoint, gradient, -alpha, metaGradient.Slice(At(metaGradient.Length)), _scratch);
    }
}
