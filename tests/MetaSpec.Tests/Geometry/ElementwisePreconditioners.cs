using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Geometry;
using MetaSpec.Layers;

namespace MetaSpec.Tests.Geometry;

/// <summary>
/// P = I on the blocks (MAML): no meta-parameters. A reference for the tests: the engine's home for MAML's step (and
/// Meta-SGD's) is DiagonalGeometry, which these preconditioners check against <see cref="PreconditionedReference"/>.
/// </summary>
public sealed class IdentityPreconditioner<T> : IPreconditioner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ParameterTensor[] _blocks;

    /// <summary>The identity on <paramref name="blocks"/> of θ (length <paramref name="length"/>).</summary>
    public IdentityPreconditioner(int length, IReadOnlyList<ParameterTensor> blocks)
    {
        _blocks = GeometryBlocks.Validate(length, blocks);
        Length = length;
    }

    /// <inheritdoc/>
    public int Length { get; }

    /// <inheritdoc/>
    public IReadOnlyList<ParameterTensor> Blocks => _blocks;

    /// <inheritdoc/>
    public int ParameterCount => 0;

    /// <inheritdoc/>
    public IReadOnlyList<ParameterTensor> Tensors => [];

    /// <inheritdoc/>
    public int ScratchLength => 0;

    /// <inheritdoc/>
    public void Initialize(Span<T> parameters) => Guard.Length(parameters.Length, 0, nameof(parameters));

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> parameters, ReadOnlySpan<T> vector, Span<T> result, Span<T> scratch)
    {
        Preconditioners.Check(this, parameters, vector, result, scratch);
        vector.CopyTo(result);
        GeometryBlocks.ClearOutside(_blocks, result);
    }

    /// <inheritdoc/>
    public void ApplyTranspose(ReadOnlySpan<T> parameters, ReadOnlySpan<T> vector, Span<T> result, Span<T> scratch) =>
        Apply(parameters, vector, result, scratch);

    /// <inheritdoc/>
    public void AccumulateParameterGradient(ReadOnlySpan<T> parameters, ReadOnlySpan<T> left, ReadOnlySpan<T> right, T scale,
        Span<T> parameterGradient, Span<T> scratch)
    {
        Preconditioners.Check(this, parameters, left, right, scratch, secondIsOutput: false);
        Guard.Length(parameterGradient.Length, 0, nameof(parameterGradient));
    }

    /// <inheritdoc/>
    public double NormBound(ReadOnlySpan<T> parameters) => 1;
}

/// <summary>
/// P = diag(p) on the blocks: one learned factor per adapted parameter (Meta-SGD's geometry, Li et al. 2017). A
/// reference for the tests: the engine's Meta-SGD is DiagonalGeometry (<c>step_size.*</c>, the case α = 1, p₀ = α).
/// With the engine's scalar step α, Meta-SGD's step sizes are α·p; <c>initialValue</c> = α with α = 1 reproduces
/// its parametrisation exactly. θ_P holds p block by block as <c>geometry.{tensor}.scale</c> of the tensor's shape.
/// </summary>
public sealed class DiagonalPreconditioner<T> : IPreconditioner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ParameterTensor[] _blocks, _tensors;
    private readonly T _initialValue;

    /// <summary>A diagonal on <paramref name="blocks"/> of θ (length <paramref name="length"/>), initialised to <paramref name="initialValue"/>.</summary>
    public DiagonalPreconditioner(int length, IReadOnlyList<ParameterTensor> blocks, double initialValue = 1)
    {
        _blocks = GeometryBlocks.Validate(length, blocks);
        if (!(initialValue > 0) || !double.IsFinite(initialValue))
            throw new ArgumentOutOfRangeException(nameof(initialValue), initialValue, "The initial diagonal must be positive and finite.");
        Length = length;
        _initialValue = T.CreateTruncating(initialValue);
        _tensors = new ParameterTensor[_blocks.Length];
        int offset = 0;
        for (int b = 0; b < _blocks.Length; b++)
        {
            _tensors[b] = new ParameterTensor($"geometry.{_blocks[b].Name}.scale", offset, _blocks[b].Dimensions);
            offset += _blocks[b].Length;
        }
        ParameterCount = offset;
    }

    /// <inheritdoc/>
    public int Length { get; }

    /// <inheritdoc/>
    public IReadOnlyList<ParameterTensor> Blocks => _blocks;

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public IReadOnlyList<ParameterTensor> Tensors => _tensors;

    /// <inheritdoc/>
    public int ScratchLength => 0;

    /// <inheritdoc/>
    public void Initialize(Span<T> parameters)
    {
        Guard.Length(parameters.Length, ParameterCount, nameof(parameters));
        parameters.Fill(_initialValue);
    }

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> parameters, ReadOnlySpan<T> vector, Span<T> result, Span<T> scratch)
    {
        Preconditioners.Check(this, parameters, vector, result, scratch);
        GeometryBlocks.ClearOutside(_blocks, result);
        for (int b = 0; b < _blocks.Length; b++)
        {
            var (block, p) = (_blocks[b], _tensors[b]);
            TensorPrimitives.Multiply(parameters.Slice(p.Offset, p.Length), vector.Slice(block.Offset, block.Length),
                result.Slice(block.Offset, block.Length));
        }
    }

    /// <inheritdoc/>
    public void ApplyTranspose(ReadOnlySpan<T> parameters, ReadOnlySpan<T> vector, Span<T> result, Span<T> scratch) =>
        Apply(parameters, vector, result, scratch);

    /// <inheritdoc/>
    public void AccumulateParameterGradient(ReadOnlySpan<T> parameters, ReadOnlySpan<T> left, ReadOnlySpan<T> right, T scale,
        Span<T> parameterGradient, Span<T> scratch)
    {
        Preconditioners.Check(this, parameters, left, right, scratch, secondIsOutput: false);
        Guard.Length(parameterGradient.Length, ParameterCount, nameof(parameterGradient));
        // ∂⟨u, p⊙g⟩/∂p = u⊙g
        for (int b = 0; b < _blocks.Length; b++)
        {
            var (block, p) = (_blocks[b], _tensors[b]);
            ReadOnlySpan<T> u = left.Slice(block.Offset, block.Length), g = right.Slice(block.Offset, block.Length);
            Span<T> grad = parameterGradient.Slice(p.Offset, p.Length);
            for (int i = 0; i < grad.Length; i++) grad[i] += scale * u[i] * g[i];
        }
    }

    /// <inheritdoc/>
    public double NormBound(ReadOnlySpan<T> parameters)
    {
        Guard.Length(parameters.Length, ParameterCount, nameof(parameters));
        return double.CreateTruncating(TensorPrimitives.MaxMagnitude(parameters));
    }
}

